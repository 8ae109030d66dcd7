//! Self-contained HTML reports: one file, figures inline as SVG, no
//! network access, readable on a phone and on a desktop.

use std::path::Path;

use crate::OutputError;
use crate::figure::Figure;
use crate::write;

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One section of a report: a heading, paragraphs (already HTML) and an optional figure.
#[derive(Debug, Clone)]
pub struct Section {
    pub heading: String,
    pub html: String,
    pub figure: Option<(String, Figure)>,
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;overflow-wrap:anywhere;max-width:960px;margin:0 auto;padding:1rem;line-height:1.5;color:#222}\
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}\
figure{margin:1rem 0}figure svg{width:100%;height:auto;display:block}figcaption{font-size:.9rem;color:#555}\
table{border-collapse:collapse;width:100%;font-size:.95rem;display:block;overflow-x:auto}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}\
.verdict{font-weight:bold}.supported{color:#1a7f37}.not-supported{color:#b42318}.mixed{color:#9a6700}code{background:#f4f4f4;padding:0 .2rem}";

/// Renders a report. Figures are inlined as SVG with a `data-figure` attribute.
pub fn html(title: &str, intro: &str, sections: &[Section]) -> String {
    let svgs: Vec<Option<String>> = sections
        .iter()
        .map(|s| s.figure.as_ref().map(|(_, f)| f.svg()))
        .collect();
    html_with(title, intro, sections, &svgs)
}

/// [`html`] with each section's figure already drawn as SVG.
fn html_with(title: &str, intro: &str, sections: &[Section], svgs: &[Option<String>]) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!(
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    ));
    out.push_str(&format!("<h1>{}</h1>\n{intro}\n", escape(title)));
    for (s, svg) in sections.iter().zip(svgs) {
        out.push_str(&format!("<h2>{}</h2>\n{}\n", escape(&s.heading), s.html));
        if let (Some((name, figure)), Some(svg)) = (&s.figure, svg) {
            let svg = svg.find("<svg").map_or(svg.as_str(), |at| &svg[at..]);
            let svg = svg.replacen(
                "<svg",
                &format!(
                    "<svg data-figure=\"{}\" role=\"img\" aria-label=\"{}\"",
                    escape(name),
                    escape(&figure.title)
                ),
                1,
            );
            out.push_str(&format!("<figure>\n{svg}\n<figcaption>{} (also <code>figures/{}.svg</code> and <code>.png</code>)</figcaption>\n</figure>\n", escape(&figure.title), escape(name)));
        }
    }
    out.push_str(&format!(
        "<p><small>kyoso {}</small></p>\n</body>\n</html>\n",
        kyoso_core::VERSION
    ));
    out
}

/// Writes a report and every figure (SVG and PNG) under `dir`.
pub fn write(
    dir: &Path,
    title: &str,
    intro: &str,
    sections: &[Section],
) -> Result<(), OutputError> {
    let figures = dir.join("figures");
    std::fs::create_dir_all(&figures).map_err(|e| OutputError::Io(figures.clone(), e))?;
    // Figures are drawn in parallel, each once: a report may have hundreds.
    use rayon::prelude::*;
    let svgs: Vec<Option<String>> = sections
        .par_iter()
        .map(|s| {
            let Some((name, figure)) = &s.figure else {
                return Ok(None);
            };
            let svg = figure.svg();
            write::bytes(&figures.join(format!("{name}.svg")), svg.as_bytes())?;
            write::bytes(&figures.join(format!("{name}.png")), &figure.png())?;
            Ok(Some(svg))
        })
        .collect::<Result<_, OutputError>>()?;
    write::bytes(
        &dir.join("report.html"),
        html_with(title, intro, sections, &svgs).as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figure::Series;

    #[test]
    fn report_is_one_self_contained_file() {
        let figure = Figure {
            title: "x <y>".into(),
            x_label: "t".into(),
            y_label: "v".into(),
            series: vec![Series {
                line: false,
                colour: None,
                label: "s".into(),
                points: vec![(0.0, 1.0), (1.0, 2.0)],
                band: None,
            }],
            categories: None,
            mode: crate::figure::Mode::Auto,
        };
        let sections = vec![Section {
            heading: "A & B".into(),
            html: "<p>text</p>".into(),
            figure: Some(("fig-a".into(), figure)),
        }];
        let page = html("Report", "<p>intro</p>", &sections);
        assert!(page.contains("name=\"viewport\""));
        assert!(page.contains("A &amp; B") && page.contains("x &lt;y&gt;"));
        assert_eq!(page.matches("data-figure=\"fig-a\"").count(), 1);
        assert!(
            !page.contains("http://") || !page.contains("src=\"http"),
            "no external resources"
        );
        assert!(!page.contains("<script src") && !page.contains("<link"));
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Report", "", &sections).unwrap();
        assert!(
            dir.path().join("figures/fig-a.svg").is_file()
                && dir.path().join("figures/fig-a.png").is_file()
        );
    }
}
