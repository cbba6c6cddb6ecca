//! The bench's figure: `target/bench/report.png`, four panels drawn with plotters.
//!
//! REST throughput and CPU per request (nginx beside the generated server), MCP throughput
//! (the generated server beside FastMCP, log scale) and code generation time against the number
//! of operations (log-log, with the linear trend through the smallest spec for comparison).

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Where Debian's `fonts-dejavu-core` puts its sans font (the bench installs the package).
const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// What the figure shows, medians over rounds.
pub struct Figure {
    /// `(target, req/s, CPU µs per request)` for the REST targets.
    pub rest: Vec<(String, f64, f64)>,
    /// `(target, req/s)` for the MCP targets.
    pub mcp: Vec<(String, f64)>,
    /// `(operations, milliseconds)` for code generation.
    pub codegen: Vec<(u32, f64)>,
}

type Result<T> = std::result::Result<T, String>;

pub fn draw(figure: &Figure, out: &Path) -> Result<()> {
    let font =
        std::fs::read(FONT).map_err(|e| format!("{FONT}: {e} (install fonts-dejavu-core)"))?;
    plotters::style::register_font(
        "sans-serif",
        FontStyle::Normal,
        Box::leak(font.into_boxed_slice()),
    )
    .map_err(|_| format!("{FONT}: not a font plotters can read"))?;
    let root = BitMapBackend::new(out, (1200, 900)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (title, body) = root.split_vertically(40);
    title
        .draw_text(
            "cargo xtask bench: the generated server beside nginx and FastMCP",
            &("sans-serif", 22).into_font().color(&BLACK),
            (20, 10),
        )
        .map_err(err)?;
    let panels = body.split_evenly((2, 2));
    let rps: Vec<(String, f64)> = figure
        .rest
        .iter()
        .map(|(n, r, _)| (n.clone(), *r))
        .collect();
    let cpu: Vec<(String, f64)> = figure
        .rest
        .iter()
        .map(|(n, _, c)| (n.clone(), *c))
        .collect();
    bars(
        &panels[0],
        "REST: requests per second (higher is better)",
        &rps,
        false,
    )?;
    bars(
        &panels[1],
        "REST: server CPU µs per request (lower is better)",
        &cpu,
        false,
    )?;
    bars(
        &panels[2],
        "MCP tools/call: requests per second (log scale)",
        &figure.mcp,
        true,
    )?;
    codegen(&panels[3], &figure.codegen)?;
    root.present().map_err(err)
}

fn err(e: impl std::fmt::Display) -> String {
    format!("plot: {e}")
}

const COLORS: [RGBColor; 4] = [
    RGBColor(0x4c, 0x72, 0xb0),
    RGBColor(0xdd, 0x84, 0x52),
    RGBColor(0x55, 0xa8, 0x68),
    RGBColor(0xc4, 0x4e, 0x52),
];

fn bars(
    area: &DrawingArea<BitMapBackend, Shift>,
    caption: &str,
    data: &[(String, f64)],
    log: bool,
) -> Result<()> {
    let max = data.iter().map(|(_, v)| *v).fold(1.0, f64::max) * 1.2;
    let n = data.len() as u32;
    let label = |v: &f64| {
        if *v >= 10_000.0 {
            format!("{:.0}k", v / 1000.0)
        } else {
            format!("{v:.0}")
        }
    };
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(caption, ("sans-serif", 16))
        .margin(15)
        .x_label_area_size(30)
        .y_label_area_size(60);
    let x = 0.0..f64::from(n);
    if log {
        let mut chart = builder
            .build_cartesian_2d(x, (1.0..max).log_scale())
            .map_err(err)?;
        draw_bars(&mut chart, data, 1.0, |v| v * 1.1, &label)
    } else {
        let mut chart = builder.build_cartesian_2d(x, 0.0..max).map_err(err)?;
        draw_bars(&mut chart, data, 0.0, |v| v + max * 0.03, &label)
    }
}

/// One bar per target from `floor`, ours in the second colour, each named with its value
/// (placed at `text_at(value)`).
fn draw_bars<Y>(
    chart: &mut ChartContext<'_, BitMapBackend<'_>, Cartesian2d<RangedCoordf64, Y>>,
    data: &[(String, f64)],
    floor: f64,
    text_at: impl Fn(f64) -> f64,
    label: &dyn Fn(&f64) -> String,
) -> Result<()>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(label)
        .draw()
        .map_err(err)?;
    for (i, (name, v)) in data.iter().enumerate() {
        let color = if name.starts_with("generated") {
            COLORS[1]
        } else {
            COLORS[0]
        };
        let i = i as f64;
        chart
            .draw_series([Rectangle::new(
                [(i + 0.1, floor), (i + 0.9, *v)],
                color.filled(),
            )])
            .map_err(err)?;
        let text = if *v < 100.0 {
            format!("{name}: {v:.1}")
        } else {
            format!("{name}: {}", label(v))
        };
        chart
            .draw_series([Text::new(text, (i + 0.1, text_at(*v)), ("sans-serif", 14))])
            .map_err(err)?;
    }
    Ok(())
}

fn codegen(area: &DrawingArea<BitMapBackend, Shift>, points: &[(u32, f64)]) -> Result<()> {
    let max_ops = points.iter().map(|p| p.0).max().unwrap_or(10).max(10) as f64 * 1.5;
    let max_ms = points.iter().map(|p| p.1).fold(1.0, f64::max) * 2.0;
    let min_ms = points.iter().map(|p| p.1).fold(f64::MAX, f64::min).min(1.0) / 2.0;
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Code generation: ms against operations (log-log)",
            ("sans-serif", 16),
        )
        .margin(15)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d((1.0..max_ops).log_scale(), (min_ms..max_ms).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("operations")
        .y_desc("ms")
        .draw()
        .map_err(err)?;
    let measured: Vec<(f64, f64)> = points.iter().map(|(n, ms)| (f64::from(*n), *ms)).collect();
    chart
        .draw_series(LineSeries::new(measured.clone(), COLORS[0].stroke_width(2)))
        .map_err(err)?
        .label("measured")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], COLORS[0].stroke_width(2)));
    chart
        .draw_series(
            measured
                .iter()
                .map(|p| Circle::new(*p, 4, COLORS[0].filled())),
        )
        .map_err(err)?;
    // Linear growth from the 25-operation point, for comparison.
    if let Some(&(n0, ms0)) = measured.iter().find(|(n, _)| *n >= 25.0) {
        let linear: Vec<(f64, f64)> = measured
            .iter()
            .filter(|(n, _)| *n >= n0)
            .map(|(n, _)| (*n, ms0 * n / n0))
            .collect();
        chart
            .draw_series(LineSeries::new(linear, COLORS[1].stroke_width(1)))
            .map_err(err)?
            .label("linear from 25 operations")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], COLORS[1].stroke_width(1)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_png_with_every_panel() {
        if !Path::new(FONT).exists() {
            println!("skipped: {FONT} not installed (Debian fonts-dejavu-core)");
            return;
        }
        let figure = Figure {
            rest: vec![
                ("nginx (REST)".into(), 66_000.0, 13.7),
                ("generated (REST)".into(), 30_000.0, 33.5),
            ],
            mcp: vec![
                ("generated (MCP)".into(), 17_000.0),
                ("FastMCP (MCP)".into(), 500.0),
            ],
            codegen: vec![(4, 7.0), (25, 16.0), (250, 145.0), (2500, 1900.0)],
        };
        let out = std::env::temp_dir().join(format!("naftiko-plot-{}.png", std::process::id()));
        draw(&figure, &out).unwrap();
        let png = std::fs::read(&out).unwrap();
        std::fs::remove_file(&out).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // 1200×900 with text and bars: far more than a blank image compresses to.
        assert!(png.len() > 20_000, "{} bytes", png.len());
    }
}
