//! Binary answers (`outputRawFormat: binary`, Ikanos): the media type and size limit of a
//! consumed operation, what an exposed operation or tool serves of it, and the response contract
//! (`responses`) a REST operation documents.

use serde_json::Value;

use super::Resolver;
use super::ir::*;
use super::path::YamlPath;
use crate::parse::model;

impl Resolver<'_> {
    /// The binary reading of consumed operation `op` at `opath`.
    pub(super) fn binary_answer(
        &mut self,
        opath: &YamlPath,
        op: &model::ConsumedOperation,
    ) -> BinaryAnswer {
        BinaryAnswer {
            media_type: self.media_type(
                &opath.key("outputMediaType"),
                op.output_media_type.as_deref(),
            ),
            max_bytes: op
                .max_binary_size
                .as_ref()
                .and_then(|size| self.binary_size(&opath.key("maxBinarySize"), size)),
        }
    }

    /// What a non-binary operation at `opath` says of binary answers: warnings, since nothing of
    /// it applies.
    pub(super) fn not_binary(&mut self, opath: &YamlPath, op: &model::ConsumedOperation) {
        if op.max_binary_size.is_some() {
            self.warn(
                &opath.key("maxBinarySize"),
                "`maxBinarySize` applies to binary answers only; this operation's answer is read as text or JSON (at most 32 MiB)",
                "remove it, or write `outputRawFormat: binary` if the answer is bytes",
            );
        }
        if let Some(media) = op.output_media_type.as_deref() {
            let json = media.starts_with("application/json") || media.contains("+json");
            if !json {
                self.warn(
                    &opath.key("outputMediaType"),
                    format!("`outputMediaType: {media}` is not applied: the answer is read in its `outputRawFormat` and served as JSON (text as the upstream types it)"),
                    "write `outputRawFormat: binary` to pass the bytes on with this media type",
                );
            }
        }
    }

    /// A media type as the spec writes it (`image/jpeg`, `text/csv; charset=utf-8`).
    fn media_type(&mut self, path: &YamlPath, text: Option<&str>) -> Option<String> {
        let text = text?.trim();
        let header_text = text.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
        let (kind, rest) = text.split_once('/').unwrap_or_default();
        let subtype = rest.split(';').next().unwrap_or_default().trim();
        match header_text && !kind.trim().is_empty() && !subtype.is_empty() {
            true => Some(text.to_owned()),
            false => {
                self.error_help(
                    path,
                    format!("`{text}` is not a media type"),
                    "write `type/subtype`, e.g. `image/jpeg` or `application/pdf`",
                );
                None
            }
        }
    }

    /// A `maxBinarySize` in bytes: `512KiB`, `5MiB`, `1GiB`, `100B` (a bare number is bytes,
    /// with a warning).
    pub(super) fn binary_size(&mut self, path: &YamlPath, size: &Value) -> Option<u64> {
        let help = "write a number with its unit: `512KiB`, `10MiB`, `1GiB` or `100B`";
        let text = match size {
            Value::Number(n) => {
                let bytes = n.as_u64().filter(|b| *b > 0);
                match bytes {
                    Some(bytes) => self.warn(
                        path,
                        format!("`maxBinarySize: {n}` has no unit: read as {bytes} bytes"),
                        help,
                    ),
                    None => self.error_help(path, format!("`{n}` is not a size"), help),
                }
                return bytes;
            }
            Value::String(text) => text.trim(),
            _ => {
                self.error_help(path, "`maxBinarySize` is a size", help);
                return None;
            }
        };
        match parse_size(text) {
            Some((bytes, true)) => Some(bytes),
            Some((bytes, false)) => {
                self.warn(
                    path,
                    format!("`maxBinarySize: {text}` has no unit: read as {bytes} bytes"),
                    help,
                );
                Some(bytes)
            }
            None => {
                self.error_help(path, format!("`{text}` is not a size"), help);
                None
            }
        }
    }

    /// `output` as exposed operation or tool at `path` serves it: a binary answer takes the
    /// adapter's `maxBinarySize` (and the media type the exposed side declares) where the
    /// consumed operation names none.
    pub(super) fn served(
        &mut self,
        output: &mut Output,
        adapter_max: Option<u64>,
        declared_media: Option<&str>,
    ) {
        let Output::PassThrough {
            format: RawFormat::Binary(answer),
            ..
        } = output
        else {
            return;
        };
        answer.max_bytes = answer
            .max_bytes
            .or(adapter_max)
            .or(Some(DEFAULT_MAX_BINARY_BYTES));
        if answer.media_type.is_none() {
            answer.media_type = declared_media.map(str::to_owned);
        }
    }

    /// An adapter's `maxBinarySize`.
    pub(super) fn adapter_binary_size(
        &mut self,
        path: &YamlPath,
        size: Option<&Value>,
    ) -> Option<u64> {
        self.binary_size(&path.key("maxBinarySize"), size?)
    }

    /// A REST operation's `responses` (`responseBinary` is read into it): each status with its
    /// description and media types. A `binary` media type needs a binary answer.
    pub(super) fn responses(
        &mut self,
        path: &YamlPath,
        responses: Option<&Value>,
        output: Option<&Output>,
    ) -> Vec<ResponseDoc> {
        let Some(responses) = responses else {
            return Vec::new();
        };
        let path = path.key("responses");
        let Some(entries) = responses.as_object() else {
            self.error_help(
                &path,
                "`responses` maps statuses to answers",
                "e.g. `responses: {\"200\": {description: The photo, content: {image/jpeg: {binary: true}}}}`",
            );
            return Vec::new();
        };
        let binary = output.and_then(Output::binary).is_some();
        let mut docs = Vec::new();
        for (status, entry) in entries {
            let spath = path.key(status);
            if !is_status_key(status) {
                self.error_help(
                    &spath,
                    format!("`{status}` is not a status"),
                    "write a status (`200`) or a range (`2XX`)",
                );
                continue;
            }
            let description = entry
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let mut content = Vec::new();
            let media = entry.get("content").and_then(Value::as_object);
            for (media_type, body) in media.into_iter().flatten() {
                let mpath = spath.key("content").key(media_type);
                let Some(media_type) = self.media_type(&mpath, Some(media_type)) else {
                    continue;
                };
                if body.get("binary").and_then(Value::as_bool) == Some(true) {
                    if !binary {
                        self.error_help(
                            &mpath.key("binary"),
                            "`binary: true` needs a binary answer",
                            "the operation it calls declares `outputRawFormat: binary`",
                        );
                    }
                    content.push((media_type, ResponseBody::Binary));
                } else {
                    let schema = body
                        .get("schema")
                        .cloned()
                        .unwrap_or(Value::Object(Default::default()));
                    content.push((media_type, ResponseBody::Schema(schema)));
                }
            }
            docs.push(ResponseDoc {
                status: status.clone(),
                description,
                content,
            });
        }
        docs
    }
}

/// The media type of the first binary answer of a success status in `responses`.
pub(super) fn contract_media_type(responses: &[ResponseDoc]) -> Option<&str> {
    responses
        .iter()
        .filter(|r| r.status.starts_with('2'))
        .flat_map(|r| &r.content)
        .find(|(_, body)| *body == ResponseBody::Binary)
        .map(|(media, _)| media.as_str())
}

/// `200`, `404`, `2XX`: a status or a range of them.
fn is_status_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    bytes.len() == 3
        && (b'1'..=b'5').contains(&bytes[0])
        && bytes[1..].iter().all(|b| b.is_ascii_digit() || *b == b'X')
}

/// A size with its unit (`B`, `KiB`, `MiB`, `GiB`; a fraction is allowed) in bytes, and whether
/// the unit was written.
fn parse_size(text: &str) -> Option<(u64, bool)> {
    let (number, unit) = match text.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    let magnitude: f64 = number
        .parse()
        .ok()
        .filter(|m: &f64| m.is_finite() && *m > 0.0)?;
    let bytes = magnitude * scale as f64;
    // Beyond what a server can hold in memory: not a size anyone meant.
    (bytes >= 1.0 && bytes <= (1u64 << 40) as f64).then_some((bytes as u64, !unit.is_empty()))
}

/// What each binary consumed operation's client reads at most: its own `maxBinarySize`, else
/// the most any adapter serves of it, else [`DEFAULT_MAX_BINARY_BYTES`].
pub(super) fn read_limits(consumes: &mut [Consumes], rest: &[RestAdapter], mcp: &[McpAdapter]) {
    let served = rest
        .iter()
        .flat_map(|a| &a.routes)
        .flat_map(|r| &r.operations)
        .map(|o| &o.runs)
        .chain(
            mcp.iter()
                .flat_map(|a| a.tools.iter().chain(a.resources.iter().map(|r| &r.read)))
                .map(|t| &t.runs),
        )
        .filter_map(|runs| match runs {
            Runs::Call { call, output } => Some((call, output.binary()?.max_bytes?)),
            Runs::Steps { .. } | Runs::Mock { .. } => None,
        });
    let mut most: std::collections::BTreeMap<(ConsumesId, OperationId), u64> = Default::default();
    for (call, bytes) in served {
        let entry = most.entry((call.consumes, call.operation)).or_default();
        *entry = (*entry).max(bytes);
    }
    for (ci, c) in consumes.iter_mut().enumerate() {
        for (oi, op) in c.operations.iter_mut().enumerate() {
            let Output::PassThrough {
                format: RawFormat::Binary(answer),
                ..
            } = &mut op.output
            else {
                continue;
            };
            let key = (ConsumesId::new(ci), OperationId::new(oi));
            answer.max_bytes = answer
                .max_bytes
                .or_else(|| most.get(&key).copied())
                .or(Some(DEFAULT_MAX_BINARY_BYTES));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_their_units() {
        assert_eq!(parse_size("5MiB"), Some((5 << 20, true)));
        assert_eq!(parse_size("512KiB"), Some((512 << 10, true)));
        assert_eq!(parse_size("1.5GiB"), Some((3 << 29, true)));
        assert_eq!(parse_size("100B"), Some((100, true)));
        assert_eq!(parse_size("1024"), Some((1024, false)));
        assert_eq!(parse_size("5MB"), None);
        assert_eq!(parse_size("MiB"), None);
        assert_eq!(parse_size("0KiB"), None);
        assert_eq!(parse_size("9999GiB"), None);
    }

    #[test]
    fn status_keys() {
        assert!(is_status_key("200") && is_status_key("2XX") && is_status_key("404"));
        assert!(!is_status_key("600") && !is_status_key("20") && !is_status_key("default"));
    }
}
