//! Figures: line charts with 95 % bands, point charts with error bars
//! (categories along x, or down the y axis for long names), and scatter
//! plots, drawn with plotters as SVG (for the HTML report) and PNG (for papers),
//! from the same description. Text uses the embedded DejaVu Sans, so
//! nothing depends on the fonts of the machine.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

const FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const SIZE: (u32, u32) = (720, 420);
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Registration fails only for a malformed font, which the test of this module rules out.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// One line (or set of points), with an optional confidence band.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub label: String,
    /// (x, y) points, in x order.
    pub points: Vec<(f64, f64)>,
    /// (low, high) per point: drawn as a band (lines) or error bars (points).
    pub band: Option<Vec<(f64, f64)>>,
    /// `#rrggbb` from [`crate::palette`] when the series is a concept with
    /// its own colour (an origin, a strategy, a cause); else the figure's
    /// colour for its position.
    pub colour: Option<&'static str>,
    /// Drawn as a line even in a [`Mode::Scatter`] figure (a smoother
    /// through the points).
    pub line: bool,
}

impl Series {
    /// The colour to draw series `k` of a figure with.
    fn rgb(&self, k: usize) -> RGBColor {
        match self.colour {
            Some(hex) => {
                let (r, g, b) = crate::palette::rgb(hex);
                RGBColor(r, g, b)
            }
            None => PALETTE[k % PALETTE.len()],
        }
    }
}

/// A chart: lines over a numeric x axis, or points over categories.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// When set, x values are indexes into these names and points are
    /// drawn with error bars instead of lines.
    pub categories: Option<Vec<String>>,
    pub mode: Mode,
}

/// How a figure draws its points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Lines over a numeric x, or points over categories along x.
    #[default]
    Auto,
    /// Unjoined points over a numeric x (error bars where there is a band).
    Scatter,
    /// Categories down the y axis (the first at the top), each series'
    /// value along x with horizontal error bars, and a line at x = 0:
    /// readable with long category names, as in a tornado chart.
    Horizontal,
}

impl Figure {
    /// The figure as an SVG document.
    pub fn svg(&self) -> String {
        register_font();
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
            self.draw(&root);
            let _ = root.present();
        }
        out
    }

    /// The figure as a PNG image.
    pub fn png(&self) -> Vec<u8> {
        register_font();
        let mut rgb = vec![255u8; (SIZE.0 * SIZE.1 * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
            self.draw(&root);
            let _ = root.present();
        }
        crate::write::png_bytes(SIZE.0, SIZE.1, &rgb)
    }

    fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for s in &self.series {
            for (k, &(x, y)) in s.points.iter().enumerate() {
                xs.push(x);
                ys.push(y);
                if let Some(b) = &s.band {
                    ys.push(b[k].0);
                    ys.push(b[k].1);
                }
            }
        }
        let span = |v: &[f64], pad: f64| {
            let lo = v
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .fold(f64::INFINITY, f64::min);
            let hi = v
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .fold(f64::NEG_INFINITY, f64::max);
            if !lo.is_finite() {
                return (0.0, 1.0);
            }
            let w = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
            (lo - pad * w, hi + pad * w)
        };
        let x = match &self.categories {
            Some(c) => (-0.5, c.len() as f64 - 0.5),
            None if self.mode == Mode::Scatter => span(&xs, 0.03),
            None => span(&xs, 0.0),
        };
        (x, span(&ys, 0.08))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) {
        let _ = root.fill(&WHITE);
        if self.mode == Mode::Horizontal {
            self.draw_horizontal(root);
            return;
        }
        let ((x0, x1), (y0, y1)) = self.ranges();
        let area = titled(root, &self.title);
        let Ok(mut chart) = ChartBuilder::on(&area)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, y0..y1)
        else {
            return;
        };
        let categories = self.categories.clone();
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .light_line_style(WHITE.mix(0.0));
        let formatter = move |x: &f64| match &categories {
            Some(c) => {
                let k = x.round();
                if (x - k).abs() < 1e-9 && k >= 0.0 && (k as usize) < c.len() {
                    c[k as usize].clone()
                } else {
                    String::new()
                }
            }
            None => tidy(*x),
        };
        if let Some(c) = &self.categories {
            mesh.x_labels(c.len() + 1);
        }
        let y_formatter = |y: &f64| tidy(*y);
        let _ = mesh
            .x_label_formatter(&formatter)
            .y_label_formatter(&y_formatter)
            .draw();
        for (k, s) in self.series.iter().enumerate() {
            let colour = s.rgb(k);
            if self.categories.is_some() {
                let offset = (k as f64 - (self.series.len() as f64 - 1.0) / 2.0) * 0.12;
                if let Some(b) = &s.band {
                    let _ =
                        chart.draw_series(s.points.iter().zip(b).map(|(&(x, y), &(lo, hi))| {
                            ErrorBar::new_vertical(x + offset, lo, y, hi, colour.filled(), 10)
                        }));
                }
                if let Ok(a) = chart.draw_series(
                    s.points
                        .iter()
                        .map(|&(x, y)| Circle::new((x + offset, y), 5, colour.filled())),
                ) {
                    a.label(&s.label)
                        .legend(move |(x, y)| Circle::new((x + 10, y), 5, colour.filled()));
                }
            } else if self.mode == Mode::Scatter && !s.line {
                if let Some(b) = &s.band {
                    let _ =
                        chart.draw_series(s.points.iter().zip(b).map(|(&(x, y), &(lo, hi))| {
                            ErrorBar::new_vertical(x, lo, y, hi, colour.mix(0.5).filled(), 6)
                        }));
                }
                if let Ok(a) = chart.draw_series(
                    s.points
                        .iter()
                        .filter(|(x, y)| x.is_finite() && y.is_finite())
                        .map(|&(x, y)| Circle::new((x, y), 3, colour.mix(0.6).filled())),
                ) {
                    a.label(&s.label)
                        .legend(move |(x, y)| Circle::new((x + 10, y), 4, colour.filled()));
                }
            } else {
                if let Some(b) = &s.band {
                    let mut polygon: Vec<(f64, f64)> = s
                        .points
                        .iter()
                        .zip(b)
                        .map(|(&(x, _), &(lo, _))| (x, lo))
                        .collect();
                    polygon.extend(
                        s.points
                            .iter()
                            .zip(b)
                            .rev()
                            .map(|(&(x, _), &(_, hi))| (x, hi)),
                    );
                    let _ = chart.draw_series(std::iter::once(Polygon::new(
                        polygon,
                        colour.mix(0.2).filled(),
                    )));
                }
                if let Ok(a) = chart.draw_series(LineSeries::new(
                    s.points.iter().copied(),
                    colour.stroke_width(2),
                )) {
                    a.label(&s.label).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                    });
                }
            }
        }
        if self.series.len() > 1 || self.series.iter().any(|s| !s.label.is_empty()) {
            let _ = chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.4))
                .draw();
        }
    }
}

impl Figure {
    /// Categories down the y axis, values along x (see [`Mode::Horizontal`]).
    fn draw_horizontal<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) {
        let names = self.categories.clone().unwrap_or_default();
        let n = names.len().max(1);
        // Values (and bands) along x, always including 0.
        let mut xs = vec![0.0];
        for s in &self.series {
            for (k, &(_, v)) in s.points.iter().enumerate() {
                xs.push(v);
                if let Some(b) = &s.band {
                    xs.extend([b[k].0, b[k].1]);
                }
            }
        }
        let finite = xs.iter().copied().filter(|x| x.is_finite());
        let lo = finite.clone().fold(f64::INFINITY, f64::min);
        let hi = finite.fold(f64::NEG_INFINITY, f64::max);
        let w = if hi > lo { hi - lo } else { 1.0 };
        let (x0, x1) = (lo - 0.05 * w, hi + 0.05 * w);
        let longest = names.iter().map(|c| c.chars().count()).max().unwrap_or(4) as u32;
        let label_area = (longest * 7 + 16).clamp(60, SIZE.0 / 2);
        // Category k at y = n - 1 - k, so the first is at the top.
        let area = titled(root, &self.title);
        let Ok(mut chart) = ChartBuilder::on(&area)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(label_area)
            .build_cartesian_2d(x0..x1, -0.5..(n as f64 - 0.5))
        else {
            return;
        };
        let y_formatter = move |y: &f64| {
            let k = y.round();
            if (y - k).abs() < 1e-9 && k >= 0.0 && (k as usize) < names.len() {
                names[names.len() - 1 - k as usize].clone()
            } else {
                String::new()
            }
        };
        let x_formatter = |x: &f64| tidy(*x);
        let _ = chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .light_line_style(WHITE.mix(0.0))
            .y_labels(n + 1)
            .y_label_formatter(&y_formatter)
            .x_label_formatter(&x_formatter)
            .label_style(("sans-serif", 12))
            .draw();
        let _ = chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
            BLACK.mix(0.5).stroke_width(1),
        )));
        let row = |k: f64| n as f64 - 1.0 - k;
        for (k, s) in self.series.iter().enumerate() {
            let colour = s.rgb(k);
            let offset = (k as f64 - (self.series.len() as f64 - 1.0) / 2.0) * 0.2;
            if let Some(b) = &s.band {
                let _ = chart.draw_series(s.points.iter().zip(b).map(|(&(c, _), &(lo, hi))| {
                    let y = row(c) - offset;
                    PathElement::new(vec![(lo, y), (hi, y)], colour.stroke_width(2))
                }));
            }
            if let Ok(a) = chart.draw_series(
                s.points
                    .iter()
                    .map(|&(c, v)| Circle::new((v, row(c) - offset), 5, colour.filled())),
            ) {
                a.label(&s.label)
                    .legend(move |(x, y)| Circle::new((x + 10, y), 5, colour.filled()));
            }
        }
        if self.series.len() > 1 {
            let _ = chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.4))
                .draw();
        }
    }
}

/// Title size in pixels: long titles wrap onto more lines instead of shrinking.
const TITLE_PX: u32 = 16;
/// Characters on one title line at [`TITLE_PX`] (DejaVu Sans averages
/// about 0.55 em a character) within the figure's width.
const TITLE_CHARS: usize = 76;

/// The title's lines: words filled up to [`TITLE_CHARS`] a line.
fn title_lines(title: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in title.split_whitespace() {
        match lines.last_mut() {
            Some(l) if l.chars().count() + 1 + word.chars().count() <= TITLE_CHARS => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// Draws the title at the top, centred and wrapped, and returns the area below it.
fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> DrawingArea<DB, Shift> {
    let lines = title_lines(title);
    let line_h = TITLE_PX as i32 + 4;
    let style = TextStyle::from(("sans-serif", TITLE_PX).into_font()).pos(
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Top,
        ),
    );
    let (w, _) = root.dim_in_pixel();
    for (k, l) in lines.iter().enumerate() {
        let _ = root.draw_text(l, &style, (w as i32 / 2, 8 + k as i32 * line_h));
    }
    let used = if lines.is_empty() {
        0
    } else {
        8 + lines.len() as i32 * line_h
    };
    root.split_vertically(used).1
}

/// A tick label: at most four decimals, no trailing zeros.
fn tidy(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(categories: bool) -> Figure {
        Figure {
            title: "Share by origin".into(),
            x_label: "tick (month)".into(),
            y_label: "share of demand".into(),
            series: vec![
                Series {
                    line: false,
                    colour: None,
                    label: "JP".into(),
                    points: vec![(0.0, 0.4), (1.0, 0.45), (2.0, 0.5)],
                    band: Some(vec![(0.35, 0.45), (0.4, 0.5), (0.45, 0.55)]),
                },
                Series {
                    line: false,
                    colour: None,
                    label: "LOCAL".into(),
                    points: vec![(0.0, 0.3), (1.0, 0.28), (2.0, 0.25)],
                    band: None,
                },
            ],
            categories: categories.then(|| vec!["a".into(), "b".into(), "c".into()]),
            mode: Mode::Auto,
        }
    }

    #[test]
    fn scatter_and_horizontal_figures_draw_every_point_and_name() {
        let mut f = figure(false);
        f.mode = Mode::Scatter;
        let svg = f.svg();
        assert!(svg.matches("<circle").count() >= 6, "six points as circles");
        assert!(!svg.contains("<polygon"), "no bands: error bars instead");
        let mut h = figure(true);
        h.mode = Mode::Horizontal;
        h.categories = Some(vec!["encounters.per_tick".into(), "b".into(), "c".into()]);
        let svg = h.svg();
        assert!(svg.contains("encounters.per_tick"));
        assert!(svg.matches("<circle").count() >= 6);
        let png = h.png();
        assert!(png.len() > 1000);
    }

    #[test]
    fn long_titles_wrap_at_a_readable_size() {
        let mut f = figure(false);
        f.title = "Share of the market held by firms of each origin, with the outside option, over the whole run of the default scenario and its presets".into();
        let lines = title_lines(&f.title);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= TITLE_CHARS));
        assert_eq!(lines.join(" "), f.title);
        let svg = f.svg();
        for l in &lines {
            assert!(svg.contains(l.as_str()), "svg lacks the line {l:?}");
        }
        let at = svg.find(lines[0].as_str()).unwrap();
        let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
        assert!(
            tag.contains(&format!("{TITLE_PX}")),
            "the title is not drawn at {TITLE_PX} px: {tag}"
        );
        assert_eq!(title_lines("Short"), vec!["Short".to_string()]);
    }

    #[test]
    fn svg_has_title_axes_legend_and_data() {
        for cat in [false, true] {
            let svg = figure(cat).svg();
            assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
            for needle in [
                "Share by origin",
                "tick (month)",
                "share of demand",
                "JP",
                "LOCAL",
            ] {
                assert!(svg.contains(needle), "svg lacks {needle}");
            }
        }
        assert!(figure(false).svg().contains("<polygon") || figure(false).svg().contains("<path"));
    }

    #[test]
    fn tick_labels_are_tidy() {
        assert_eq!(tidy(0.30000000000000004), "0.3");
        assert_eq!(tidy(2.0), "2");
        assert_eq!(tidy(-0.00001), "0");
        assert_eq!(tidy(1234.56789), "1234.5679");
    }

    #[test]
    fn png_is_a_non_blank_image() {
        let png_bytes = figure(false).png();
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), SIZE);
        let non_white = buf.chunks(3).filter(|p| p != &[255, 255, 255]).count();
        assert!(non_white > 5_000, "only {non_white} non-white pixels");
    }
}
