//! Text from the spec (descriptions, labels, names) made safe for where it is written. rustc
//! refuses a bare carriage return in a doc comment and a text-direction control anywhere in a
//! comment; TOML refuses most control characters; a line break in a Markdown table or a shell
//! line starts another. Such characters are written as visible escapes (`\u{202e}`): what the
//! text says stays readable, and nothing in it can change how the file around it reads.

use std::fmt::Write as _;

use syn::visit_mut::VisitMut;

/// Would `c` change how the text around it reads (a control character other than a line break
/// or a tab, or a Unicode format character that reorders or hides text)?
fn is_hostile(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}'
        )
}

/// `text` with every hostile character written as `\u{…}` (a CR LF pair is a line break).
pub(super) fn visible(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_hostile(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// JSON `text` with every hostile character (only ever inside its strings: serde_json escapes
/// the control characters already) written as a JSON escape (`\u202e`), which means the same.
pub(super) fn json_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_hostile(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` on one line: its whitespace runs (line breaks included) one space, the rest visible.
pub(super) fn one_line(text: Option<&str>) -> String {
    visible(
        &text
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Every doc attribute of `file` made visible (see [`visible`]), whatever code built it.
pub(super) fn clean_docs(file: &mut syn::File) {
    struct Docs;
    impl VisitMut for Docs {
        fn visit_attribute_mut(&mut self, attr: &mut syn::Attribute) {
            if let syn::Meta::NameValue(meta) = &mut attr.meta
                && meta.path.is_ident("doc")
                && let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(lit),
                    ..
                }) = &mut meta.value
            {
                let text = lit.value();
                if text.chars().any(|c| is_hostile(c) || c == '\r') {
                    *lit = syn::LitStr::new(&visible(&text), lit.span());
                }
            }
        }
    }
    Docs.visit_file_mut(file);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_characters_are_written_as_escapes() {
        assert_eq!(visible("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(visible("a\rb\r\nc\u{7f}"), "a\\u{d}b\nc\\u{7f}");
        assert_eq!(visible("naïve\ttext\n"), "naïve\ttext\n");
        assert_eq!(one_line(Some("two\nlines\u{0}")), "two lines\\u{0}");
        let json = json_escaped(&serde_json::json!({"d": "a\u{202e}b\u{7f}"}).to_string());
        assert_eq!(json, r#"{"d":"a\u202eb\u007f"}"#);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&json).unwrap()["d"],
            "a\u{202e}b\u{7f}"
        );
    }

    #[test]
    fn doc_attributes_are_cleaned_wherever_they_are() {
        let mut file: syn::File = syn::parse_quote! {
            #[doc = "a\u{2066}b\rc"]
            mod m {
                #![doc = "inner\u{7}"]
                #[doc = "plain"]
                fn f() {}
            }
        };
        clean_docs(&mut file);
        let text = prettyplease::unparse(&file);
        assert!(text.contains("///a\\u{2066}b\\u{d}c"), "{text}");
        assert!(text.contains("//!inner\\u{7}"), "{text}");
        assert!(text.contains("///plain"), "{text}");
    }
}
