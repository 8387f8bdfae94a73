//! Charts a researcher can put straight into a paper (`docs/charts.md`).
//!
//! Every chart is a [`Figure`]: data and words, drawn on any plotters
//! backend in sizes given in points, so the same figure comes out as a
//! print-resolution PNG and as an SVG with real text ([`ChartOptions`]).
//! Fonts come from the DejaVu Sans file compiled into the binary, so charts
//! render on a machine without system fonts. Colours are the Okabe–Ito
//! palette, safe for colour-blind readers ([`colour`]).
//!
//! One module per kind of chart: [`timeseries`] (mean and 95 % CI band over
//! months), [`forest`] (differences from the baseline), [`dashboard`] (a
//! first-page figure of panels), [`sweep`] (heatmaps, lines, scatter and
//! tornado charts of sweeps), [`methods`] (sensitivity and calibration).

/// Declare an enum of figures that is itself a [`Figure`], each variant
/// holding one kind of chart (a study's charts, or every chart of a
/// directory), so callers draw any of them through one type.
macro_rules! figure_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident {
        $( $(#[$vmeta:meta])* $variant:ident($ty:ty), )*
    }) => {
        $(#[$meta])* $vis enum $name {
            $( $(#[$vmeta])* $variant($ty), )*
        }

        impl $crate::output::chart::Figure for $name {
            fn height_pt(&self, width_pt: f64) -> f64 {
                match self {
                    $( $name::$variant(f) => f.height_pt(width_pt), )*
                }
            }

            fn draw<DB: plotters::prelude::DrawingBackend>(
                &self,
                area: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
                frame: &$crate::output::chart::Frame,
            ) -> Result<(), String> {
                match self {
                    $( $name::$variant(f) => f.draw(area, frame), )*
                }
            }
        }
    };
}
pub(crate) use figure_enum;

pub mod dashboard;
pub mod distribution;
pub mod forest;
pub mod methods;
pub mod sweep;
pub mod timeseries;

use super::OutputError;
use super::files::AtomicFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Register the embedded font once per process (the only font set-up).
pub(crate) fn ensure_font() {
    REGISTER.call_once(|| {
        // The bundled file is a valid TrueType font; a failure would only
        // lose text, never the chart.
        let _ = register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// The PNG charts among written files (`charts/NAME.png`), for a report.
pub fn pngs(written: &[String]) -> Vec<String> {
    written
        .iter()
        .filter(|f| f.starts_with("charts/") && f.ends_with(".png"))
        .cloned()
        .collect()
}

/// A file format charts are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Raster, at the chosen DPI.
    Png,
    /// Vector, with text as `<text>` elements (sized at 96 px per inch).
    Svg,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }

    /// The format named `name` (`png` or `svg`).
    pub fn parse(name: &str) -> Option<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "png" => Some(Format::Png),
            "svg" => Some(Format::Svg),
            _ => None,
        }
    }
}

/// Size, resolution and formats of the charts written.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartOptions {
    /// Width of a chart in centimetres (height follows from its kind).
    pub width_cm: f64,
    /// Resolution of PNG files, dots per inch.
    pub dpi: u32,
    /// Formats written, each chart once per format.
    pub formats: Vec<Format>,
}

/// Default width: a single-column figure of a printed page.
pub const DEFAULT_WIDTH_CM: f64 = 16.0;
/// Default PNG resolution: print quality.
pub const DEFAULT_DPI: u32 = 300;
/// Widths and resolutions accepted (a chart of 100 cm at 1200 dpi would be
/// 47 000 pixels wide).
pub const WIDTH_CM_RANGE: (f64, f64) = (4.0, 60.0);
/// See [`WIDTH_CM_RANGE`].
pub const DPI_RANGE: (u32, u32) = (50, 1200);

impl Default for ChartOptions {
    fn default() -> Self {
        ChartOptions {
            width_cm: DEFAULT_WIDTH_CM,
            dpi: DEFAULT_DPI,
            formats: vec![Format::Png, Format::Svg],
        }
    }
}

impl ChartOptions {
    /// Check the options, saying what would be valid.
    pub fn check(&self) -> Result<(), String> {
        let (w0, w1) = WIDTH_CM_RANGE;
        if !(self.width_cm >= w0 && self.width_cm <= w1) {
            return Err(format!(
                "chart width {} cm is outside {w0}–{w1} cm",
                self.width_cm
            ));
        }
        let (d0, d1) = DPI_RANGE;
        if !(d0..=d1).contains(&self.dpi) {
            return Err(format!("{} dpi is outside {d0}–{d1} dpi", self.dpi));
        }
        if self.formats.is_empty() {
            return Err("no chart format chosen; valid formats: png, svg".into());
        }
        Ok(())
    }

    /// The frame of a figure of `height_pt` points (for a width of
    /// `width_pt()` points) in format `format`.
    pub fn frame(&self, format: Format, height_pt: f64) -> Frame {
        let per_inch = match format {
            Format::Png => f64::from(self.dpi),
            Format::Svg => 96.0,
        };
        let px_per_pt = per_inch / 72.0;
        Frame {
            width: (self.width_pt() * px_per_pt).round() as u32,
            height: (height_pt * px_per_pt).round().max(1.0) as u32,
            px_per_pt,
            font_scale: match format {
                // The bitmap backend sizes a font by its height (ascender
                // to descender: 2384 units of DejaVu Sans's 2048-unit em).
                Format::Png => 2384.0 / 2048.0,
                // The SVG backend writes font-size as the size / 1.24.
                Format::Svg => 1.24,
            },
        }
    }

    /// The chart width in points (1/72 inch).
    pub fn width_pt(&self) -> f64 {
        self.width_cm / 2.54 * 72.0
    }
}

/// The pixel frame a figure is drawn in: its size and how many pixels make
/// a point, so fonts and lines keep their printed size at any resolution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixels per point.
    pub px_per_pt: f64,
    /// What the backend's font size must be multiplied by for the type to
    /// come out at its size in points (an em of `pt` points).
    pub font_scale: f64,
}

impl Frame {
    /// `pt` points in pixels.
    pub fn px(&self, pt: f64) -> i32 {
        (pt * self.px_per_pt).round() as i32
    }

    /// `pt` points in pixels, at least one.
    pub fn upx(&self, pt: f64) -> u32 {
        (pt * self.px_per_pt).round().max(1.0) as u32
    }

    /// The embedded font at `pt` points (its em is `pt` points), in `colour`.
    pub fn font(&self, pt: f64, colour: RGBColor) -> TextStyle<'static> {
        ("sans-serif", pt * self.px_per_pt * self.font_scale)
            .into_font()
            .color(&colour)
    }

    /// Width in points of `text` at `pt` points, from DejaVu Sans's advance
    /// widths (in ems; upper-case and other letters at their usual
    /// average), for reserving label space.
    pub fn text_width_pt(text: &str, pt: f64) -> f64 {
        const LOWER: [f64; 26] = [
            0.613, 0.635, 0.550, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278,
            0.974, 0.634, 0.612, 0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592,
            0.592, 0.525,
        ];
        let em: f64 = text
            .chars()
            .map(|c| match c {
                'a'..='z' => LOWER[c as usize - 'a' as usize],
                '0'..='9' => 0.636,
                ' ' | '.' | ',' | ':' | ';' | '\'' | '|' | '\u{2009}' => 0.317,
                '(' | ')' | '[' | ']' | '-' => 0.39,
                '+' | '=' | '<' | '>' | '\u{2212}' | '×' | '±' => 0.838,
                '%' => 0.950,
                '_' => 0.5,
                '/' => 0.337,
                'A'..='Z' => 0.70,
                '—' | '…' => 1.0,
                _ => 0.65,
            })
            .sum();
        em * pt
    }
}

/// `text` shortened to fit in `max_pt` points at `pt` points by an
/// ellipsis in its middle ("mass_evalu…supervision"), keeping both ends,
/// where variant names usually differ; as it is when it fits. The last
/// resort of a label that cannot wrap or move.
pub fn ellipsized(text: &str, max_pt: f64, pt: f64) -> String {
    if Frame::text_width_pt(text, pt) <= max_pt {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    // Drop characters from the middle until the rest and "…" fit.
    for keep in (0..chars.len()).rev() {
        let head = keep.div_ceil(2);
        let tail = keep / 2;
        let candidate: String = chars[..head]
            .iter()
            .chain(std::iter::once(&'…'))
            .chain(&chars[chars.len() - tail..])
            .collect();
        if Frame::text_width_pt(&candidate, pt) <= max_pt {
            return candidate;
        }
    }
    "…".into()
}

/// A name (a variant's, with `_` or spaces between its words) set in
/// `max_pt` points at `pt` points: one line if it fits, else two lines
/// broken after an underscore, space or hyphen, as evenly as the breaks
/// allow; a name that does not fit in two lines keeps its first line and
/// ends its second in an ellipsis ([`ellipsized`]).
pub fn wrapped_name(text: &str, max_pt: f64, pt: f64) -> Vec<String> {
    let width = |s: &str| Frame::text_width_pt(s, pt);
    if width(text) <= max_pt {
        return vec![text.to_string()];
    }
    // Break after each separator; the second line never starts with a space.
    let breaks: Vec<usize> = text
        .char_indices()
        .filter(|(i, c)| matches!(c, '_' | ' ' | '-') && *i + c.len_utf8() < text.len())
        .map(|(i, c)| i + c.len_utf8())
        .collect();
    let split = |at: usize| (text[..at].trim_end().to_string(), text[at..].trim_start());
    let balanced = breaks
        .iter()
        .map(|&at| split(at))
        .filter(|(a, b)| width(a) <= max_pt && width(b) <= max_pt)
        .min_by(|x, y| {
            width(&x.0)
                .max(width(x.1))
                .total_cmp(&width(&y.0).max(width(y.1)))
        });
    if let Some((first, second)) = balanced {
        return vec![first, second.to_string()];
    }
    // Too long for two lines: the longest first line that fits, the rest
    // shortened.
    match breaks
        .iter()
        .rev()
        .map(|&at| split(at))
        .find(|(a, _)| width(a) <= max_pt)
    {
        Some((first, second)) => vec![first, ellipsized(second, max_pt, pt)],
        None => vec![ellipsized(text, max_pt, pt)],
    }
}

/// Type sizes of every chart, in points.
pub mod size {
    /// Figure title.
    pub const TITLE: f64 = 10.0;
    /// Panel title.
    pub const PANEL: f64 = 9.0;
    /// Axis descriptions and legend text.
    pub const LABEL: f64 = 8.0;
    /// Tick labels.
    pub const TICK: f64 = 7.5;
    /// The note under a chart.
    pub const NOTE: f64 = 6.5;
    /// Data lines.
    pub const LINE: f64 = 1.2;
}

/// A chart: data and words, drawn on any backend.
pub trait Figure {
    /// Height in points for a width of `width_pt` points.
    fn height_pt(&self, width_pt: f64) -> f64;

    /// Draw the figure on `area` (the whole frame, or a panel of a
    /// dashboard).
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String>;
}

/// Turn a drawing error into its message.
pub trait Drawn<T> {
    /// The value, or the error's message.
    fn drawn(self) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> Drawn<T> for Result<T, E> {
    fn drawn(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

/// Draw `figure` into `path` in `format`.
pub fn render(
    figure: &impl Figure,
    path: &Path,
    format: Format,
    options: &ChartOptions,
) -> Result<(), OutputError> {
    ensure_font();
    let frame = options.frame(format, figure.height_pt(options.width_pt()));
    let size = (frame.width, frame.height);
    let drawn = match format {
        Format::Svg => {
            let root = SVGBackend::new(path, size).into_drawing_area();
            draw_whole(figure, &root, &frame)
        }
        Format::Png => {
            let root = BitMapBackend::new(path, size).into_drawing_area();
            draw_whole(figure, &root, &frame).and_then(|()| {
                drop(root);
                let png = std::fs::read(path).map_err(|e| e.to_string())?;
                std::fs::write(path, with_resolution(&png, frame.px_per_pt * 72.0))
                    .map_err(|e| e.to_string())
            })
        }
    };
    drawn.map_err(|message| OutputError::Chart {
        path: crate::output::files::target_of_partial(path),
        // A full disk reaches us inside the backend's error text.
        message: if message.contains("os error 28") || message.contains("os error 122") {
            "no space left on the device (or the disk quota is used up) — free some space or choose another --out, then run the same command again".into()
        } else {
            message
        },
    })
}

/// `png` with a `pHYs` chunk saying it has `dpi` dots per inch, so that
/// word processors and LaTeX place it at its intended size (16 cm, not
/// 1890 pixels at 72–96 dpi). Inserted after the header chunk; a PNG that
/// already has one, or is not a PNG, is returned as it is.
pub fn with_resolution(png: &[u8], dpi: f64) -> Vec<u8> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    // Signature, then IHDR: length, type, 13 bytes of data, CRC.
    let header_end = SIGNATURE.len() + 4 + 4 + 13 + 4;
    if png.len() < header_end || !png.starts_with(SIGNATURE) || &png[12..16] != b"IHDR" {
        return png.to_vec();
    }
    // Walk the chunks: length, type, data, CRC.
    let mut at = SIGNATURE.len();
    while at + 8 <= png.len() {
        if &png[at + 4..at + 8] == b"pHYs" {
            return png.to_vec();
        }
        let length = u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
        at += 12 + length as usize;
    }
    let per_metre = (dpi / 0.0254).round() as u32;
    let mut chunk = Vec::with_capacity(21);
    chunk.extend_from_slice(&9u32.to_be_bytes());
    let mut body = b"pHYs".to_vec();
    body.extend_from_slice(&per_metre.to_be_bytes());
    body.extend_from_slice(&per_metre.to_be_bytes());
    body.push(1); // unit: the metre
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&crc32(&body).to_be_bytes());
    let mut out = Vec::with_capacity(png.len() + chunk.len());
    out.extend_from_slice(&png[..header_end]);
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&png[header_end..]);
    out
}

/// The CRC-32 of PNG chunks (ISO 3309, polynomial 0xEDB88320).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn draw_whole<DB: DrawingBackend>(
    figure: &impl Figure,
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
) -> Result<(), String> {
    root.fill(&WHITE).drawn()?;
    figure.draw(root, frame)?;
    root.present().drawn()
}

/// Draw `figure` as `dir/STEM.EXT` in each chosen format, each into a
/// partial file the caller commits (alone, or with the rest of a study).
/// Returns the files and their names relative to `dir`'s parent folder
/// `charts/`.
pub fn write(
    dir: &Path,
    stem: &str,
    figure: &impl Figure,
    options: &ChartOptions,
) -> Result<Vec<AtomicFile>, OutputError> {
    options
        .formats
        .iter()
        .map(|&format| {
            let file =
                AtomicFile::create(&dir.join(format!("{stem}.{}", format.extension())), true)?;
            render(figure, file.path(), format, options)?;
            Ok(file)
        })
        .collect()
}

/// The Okabe–Ito palette (Okabe and Ito 2008), in the order series take
/// it: black for the baseline, then the colours most distinct on white.
/// Yellow comes last, being faint on white.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 0, 0),
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
];

/// The colour of series `i` (colours repeat after eight; charts with more
/// than five series draw small multiples instead).
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The colour of the variant at place `index` of its study (the baseline,
/// 0, first): black for the baseline, then the palette's other colours in
/// turn, repeating after the eighth so that black stays the baseline's
/// alone. Every chart of a study colours a variant by this, whatever the
/// chart's order of variants (a dashboard's, a forest's) or the selection
/// drawn (`plot --variants`), so a variant reads alike across its charts.
pub fn variant_colour(index: usize) -> RGBColor {
    match index {
        0 => colour(0),
        i => colour(1 + (i - 1) % (PALETTE.len() - 1)),
    }
}

/// The colour to write a line's name in: its own, but a colour too light
/// to read as text on white (the palette's yellow) darkened, so that the
/// name stays legible while its hue still matches the line.
pub fn text_colour(c: RGBColor) -> RGBColor {
    let lum = |v: u8| f64::from(v) / 255.0;
    let luminance = 0.2126 * lum(c.0) + 0.7152 * lum(c.1) + 0.0722 * lum(c.2);
    if luminance > 0.75 {
        let dark = |v: u8| (f64::from(v) * 0.6).round() as u8;
        RGBColor(dark(c.0), dark(c.1), dark(c.2))
    } else {
        c
    }
}

/// Grey for reference lines and secondary text.
pub const GREY: RGBColor = RGBColor(120, 120, 120);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(228, 228, 228);

/// A linear axis from `lo` to `hi` with exactly the ticks given (plotters
/// otherwise chooses its own, with mixed decimals).
#[derive(Debug, Clone, PartialEq)]
pub struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ticked {
    /// The axis `lo..hi` with `ticks`.
    pub fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Ticked {
        Ticked { lo, hi, ticks }
    }
}

impl plotters::coord::ranged1d::Ranged for Ticked {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = if self.hi > self.lo {
            self.hi - self.lo
        } else {
            1.0
        };
        let t = (value - self.lo) / span;
        limit.0 + (t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// The house style of a chart's axes: a light grid at the ticks only, grey
/// axes, ticks and descriptions in the chart type sizes. Callers add what
/// differs (descriptions, formatters, which labels).
pub fn house_mesh<'a, 'b, X, Y, DB>(
    chart: &'b mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    frame: &Frame,
) -> plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    DB: DrawingBackend,
    X: plotters::coord::ranged1d::Ranged + plotters::coord::ranged1d::ValueFormatter<X::ValueType>,
    Y: plotters::coord::ranged1d::Ranged + plotters::coord::ranged1d::ValueFormatter<Y::ValueType>,
{
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(GRID.stroke_width(frame.upx(0.5)))
        .light_line_style(TRANSPARENT)
        .axis_style(GREY.stroke_width(frame.upx(0.6)))
        .label_style(frame.font(size::TICK, BLACK))
        .axis_desc_style(frame.font(size::LABEL, BLACK))
        .set_all_tick_mark_size(frame.px(2.0));
    mesh
}

/// The axes of a chart of rows against one value (forest plot, tornado
/// chart, Sobol bars): the house mesh with x ticks (`decimals` decimals) and
/// description only, and, with `zero_line`, a grey zero line across the `n`
/// rows.
pub fn row_axes<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<Ticked, plotters::coord::types::RangedCoordf64>>,
    frame: &Frame,
    desc: &str,
    decimals: usize,
    n: f64,
    zero_line: bool,
) -> Result<(), String> {
    let format = |x: &f64| tick_label(*x, decimals);
    let mut mesh = house_mesh(chart, frame);
    mesh.y_labels(0).disable_y_mesh().x_label_formatter(&format);
    // An empty description is left out (the caller draws its own).
    if !desc.is_empty() {
        mesh.x_desc(desc);
    }
    mesh.draw().drawn()?;
    if zero_line {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (0.0, n)],
                GREY.stroke_width(frame.upx(0.8)),
            )))
            .drawn()?;
    }
    Ok(())
}

/// Round, evenly spaced ticks covering `lo..=hi` (about `n` of them), and
/// the decimals they need so all read alike ("0.10, 0.15, 0.20", "1250").
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> (Vec<f64>, usize) {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return (vec![lo], 0);
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    ticks_at(lo, hi, step)
}

/// The multiples of `step` in `lo..=hi`, and the decimals they need.
fn ticks_at(lo: f64, hi: f64, step: f64) -> (Vec<f64>, usize) {
    // A relative slack keeps ticks at the ends that floating point puts a
    // hair outside (0.3 / 0.1 < 3).
    let first = (lo / step - 1e-9).ceil();
    let last = (hi / step + 1e-9).floor();
    let ticks: Vec<f64> = (0..=((last - first).max(0.0) as usize))
        .map(|i| (first + i as f64) * step)
        .map(|t| if t.abs() < step * 1e-9 { 0.0 } else { t })
        .collect();
    let decimals = if step >= 1.0 {
        0
    } else {
        // 0.25 needs two decimals, 0.2 one.
        (0..=9)
            .find(|&d| {
                let scaled = step * 10f64.powi(d);
                (scaled - scaled.round()).abs() < 1e-6
            })
            .unwrap_or(9) as usize
    };
    (ticks, decimals)
}

/// Ticks as [`nice_ticks`], but where its round step leaves one tick (0.05
/// on 0.001–0.08) the step goes down the 1, 2, 2.5, 5 ladder until two
/// ticks fall in the range.
pub fn two_or_more_ticks(lo: f64, hi: f64, n: usize) -> (Vec<f64>, usize) {
    let found = nice_ticks(lo, hi, n);
    if found.0.len() >= 2 || !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return found;
    }
    let mut magnitude = 10f64.powf((hi - lo).log10().floor());
    for _ in 0..4 {
        for m in [5.0, 2.5, 2.0, 1.0] {
            let (t, d) = ticks_at(lo, hi, m * magnitude);
            if t.len() >= 2 {
                return (t, d);
            }
        }
        magnitude /= 10.0;
    }
    found
}

/// Ticks as [`two_or_more_ticks`] with at most `most` of them, but only as many as
/// an axis `length_pt` long holds without its tick labels touching: long
/// labels on a short axis ("−0.0025") get a wider step, keeping at least
/// two ticks where the range allows.
pub fn fitting_ticks(lo: f64, hi: f64, length_pt: f64, most: usize) -> (Vec<f64>, usize) {
    let (ticks, dec) = two_or_more_ticks(lo, hi, most);
    let Some(start) = ticks.get(1).map(|t| t - ticks[0]) else {
        return (ticks, dec);
    };
    let magnitude = 10f64.powf(start.log10().floor());
    let steps = (0..4).flat_map(|e| {
        [1.0, 2.0, 2.5, 5.0]
            .into_iter()
            .map(move |m| m * magnitude * 10f64.powi(e))
    });
    let fits = |ticks: &[f64], dec: usize, step: f64| {
        let widest = ticks
            .iter()
            .map(|t| Frame::text_width_pt(&tick_label(*t, dec), size::TICK))
            .fold(0.0, f64::max);
        widest + 6.0 <= length_pt * step / (hi - lo)
    };
    let mut widest_two = (ticks, dec, start);
    for step in steps.filter(|s| *s >= start * (1.0 - 1e-9)) {
        let (ticks, dec) = ticks_at(lo, hi, step);
        if ticks.len() < 2 {
            break;
        }
        if fits(&ticks, dec, step) {
            return (ticks, dec);
        }
        widest_two = (ticks, dec, step);
    }
    // No round step leaves two ticks with room: keep every k-th tick of the
    // widest step that left two (zero's line is drawn anyway).
    let (ticks, dec, step) = widest_two;
    for k in 2..ticks.len() {
        for offset in 0..k {
            let kept: Vec<f64> = ticks.iter().skip(offset).step_by(k).copied().collect();
            if kept.len() >= 2 && fits(&kept, dec, step * k as f64) {
                return (kept, dec);
            }
        }
    }
    let ends = vec![ticks[0], ticks[ticks.len() - 1]];
    (ends, dec)
}

/// A tick label with `decimals` decimals; thousands grouped by a thin space
/// from 10 000 up; a true minus sign.
pub fn tick_label(x: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let int = if int.len() > 4 {
        let digits: Vec<char> = int.chars().collect();
        let mut grouped = String::new();
        for (i, c) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push('\u{2009}');
            }
            grouped.push(*c);
        }
        grouped
    } else {
        int.to_string()
    };
    let sign = if x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "\u{2212}"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// A metric's readable name: `satisfaction_mean` → "satisfaction (mean)"
/// is not attempted; underscores become spaces.
pub fn metric_name(metric: &str) -> String {
    metric.replace('_', " ")
}

/// An axis description for `metric` with its unit from the metric table:
/// "realised service (needs/household/month)".
pub fn metric_axis(metric: &str) -> String {
    match crate::metrics::metric(metric) {
        Some(m) if !m.unit.is_empty() && m.unit != "—" => {
            format!("{} ({})", metric_name(metric), m.unit)
        }
        _ => metric_name(metric),
    }
}

/// The least span of a value axis, as a share of the largest magnitude it
/// shows (see [`padded`]).
pub const MIN_RELATIVE_SPAN: f64 = 0.05;

/// A metric's unit from the metric table ("" when it has none).
pub fn metric_unit(metric: &str) -> String {
    match crate::metrics::metric(metric) {
        Some(m) if m.unit != "—" => m.unit.to_string(),
        _ => String::new(),
    }
}

/// The range a metric's values lie in, from its unit in the metric table:
/// 0–1 for shares and indices; from 0 for counts, amounts and durations;
/// `None` where the unit does not bound it (a score, a multiplier, an
/// amount of funds).
pub fn metric_bounds(metric: &str) -> Option<(f64, f64)> {
    match crate::metrics::metric(metric)?.unit {
        "share" | "0–1" | "share of time" => Some((0.0, 1.0)),
        "needs/month"
        | "needs/household/month"
        | "needs"
        | "months"
        | "members"
        | "members/month"
        | "per month"
        | "villages"
        | "thousand yuan/month" => Some((0.0, f64::INFINITY)),
        _ => None,
    }
}

/// A y range covering `lo..=hi` with a margin, starting at zero for
/// non-negative data whose range comes near zero: its lowest value below
/// [`ZERO_REACH`] of its highest (zero then adds at most a third of the
/// data's span to the axis), or its margin reaching below zero. Cost at
/// 7–68 thousand yuan started at 3.3, with no 0 tick. The range spans at
/// least [`MIN_RELATIVE_SPAN`] of the data's magnitude, so that a series
/// that hardly moves (formalism at 0.600–0.602) is drawn nearly flat rather
/// than stretched into what looks like a trend. Data all at zero get 0–1:
/// a metric that stays at zero (often one that cannot be negative) shows
/// no negative ticks.
pub fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi < lo {
        return padded(hi, lo);
    }
    if hi == lo && lo == 0.0 {
        return (0.0, 1.0);
    }
    // Widened about the middle; for positive data widening needs
    // lo > 0.95·hi, so it never crosses zero.
    let least = MIN_RELATIVE_SPAN * lo.abs().max(hi.abs());
    let (lo, hi) = if hi - lo < least {
        let widen = (least - (hi - lo)) / 2.0;
        (lo - widen, hi + widen)
    } else {
        (lo, hi)
    };
    let pad = (hi - lo) * 0.06;
    let lo = if lo >= 0.0 && (lo - pad < 0.0 || lo < ZERO_REACH * hi) {
        0.0
    } else {
        lo - pad
    };
    (lo, hi + pad)
}

/// Non-negative data whose lowest value is below this share of its highest
/// gets an axis from zero ([`padded`]).
pub const ZERO_REACH: f64 = 0.25;

/// The lines of a note wrapped to `width_pt` points.
pub fn note_lines(text: &str, width_pt: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && Frame::text_width_pt(&candidate, size::NOTE) > width_pt - 8.0 {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The height in points of a note of `text` under a figure `width_pt` wide.
pub fn note_height_pt(text: &str, width_pt: f64) -> f64 {
    note_lines(text, width_pt).len() as f64 * size::NOTE * 1.35 + 6.0
}

/// Draw `text` as a grey note, wrapped, at the bottom of `area`; returns
/// the area above it.
pub fn with_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    frame: &Frame,
    text: &str,
) -> Result<DrawingArea<DB, Shift>, String> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let (w, h) = area.dim_in_pixel();
    let width_pt = f64::from(w) / frame.px_per_pt;
    let height = frame.px(note_height_pt(text, width_pt)).min(h as i32);
    let (body, foot) = area.split_vertically(h as i32 - height);
    let style = frame
        .font(size::NOTE, GREY)
        .pos(Pos::new(HPos::Left, VPos::Top));
    for (i, line) in note_lines(text, width_pt).into_iter().enumerate() {
        let y = frame.px(2.0 + i as f64 * size::NOTE * 1.35);
        foot.draw(&Text::new(line, (frame.px(4.0), y), style.clone()))
            .drawn()?;
    }
    Ok(body)
}

/// The area of a figure under its title (chart type size) and above its
/// note: [`titled`], then [`with_note`].
pub fn framed<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    frame: &Frame,
    title: &str,
    note: &str,
) -> Result<DrawingArea<DB, Shift>, String> {
    with_note(&titled(area, frame, title, size::TITLE)?, frame, note)
}

/// Draw a title centred at the top of `area`; returns the area below it.
pub fn titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    frame: &Frame,
    title: &str,
    pt: f64,
) -> Result<DrawingArea<DB, Shift>, String> {
    if title.is_empty() {
        return Ok(area.clone());
    }
    // A title longer than the chart is wide (a narrow chart, or one naming
    // its overrides) is set smaller, down to 5 pt (beyond that a very long
    // title is still clipped at its ends).
    let width_pt = f64::from(area.dim_in_pixel().0) / frame.px_per_pt;
    let needed = Frame::text_width_pt(title, pt);
    let pt = if needed > width_pt - 8.0 {
        (pt * (width_pt - 8.0) / needed).max(5.0)
    } else {
        pt
    };
    let area = area.margin(frame.px(4.0), 0, 0, 0);
    let below = area.titled(title, frame.font(pt, BLACK)).drawn()?;
    Ok(below.margin(frame.px(4.0), 0, 0, 0))
}

/// A dashed vertical segment from `(x, y0)` to `(x, y1)` in pixel
/// coordinates.
pub fn dashed_vertical<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    frame: &Frame,
    x: i32,
    (y0, y1): (i32, i32),
    colour: RGBColor,
) -> Result<(), String> {
    let (dash, gap) = (frame.px(3.0).max(2), frame.px(2.0).max(1));
    let width = frame.upx(0.8);
    let mut y = y0.min(y1);
    let end = y0.max(y1);
    while y < end {
        let to = (y + dash).min(end);
        area.draw(&PathElement::new(
            vec![(x, y), (x, to)],
            colour.stroke_width(width),
        ))
        .drawn()?;
        y = to + gap;
    }
    Ok(())
}

/// Spread label positions (pixels, any order) so neighbours are at least
/// `gap` apart, keeping them as close to their targets as possible and
/// within `lo..=hi`. Returns positions in the input order.
pub fn spread(targets: &[i32], gap: i32, (lo, hi): (i32, i32)) -> Vec<i32> {
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by_key(|&i| (targets[i], i));
    let mut placed: Vec<i32> = order.iter().map(|&i| targets[i].clamp(lo, hi)).collect();
    for k in 1..placed.len() {
        placed[k] = placed[k].max(placed[k - 1] + gap);
    }
    if let Some(&last) = placed.last()
        && last > hi
    {
        let shift = last - hi;
        for p in placed.iter_mut() {
            *p -= shift;
        }
        for k in (0..placed.len().saturating_sub(1)).rev() {
            placed[k] = placed[k].min(placed[k + 1] - gap);
        }
    }
    let mut out = vec![0; targets.len()];
    for (k, &i) in order.iter().enumerate() {
        out[i] = placed[k];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pngs_say_their_resolution() {
        // The CRC of the IEND chunk's type is the well-known AE 42 60 82.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&[0; 13]);
        png.extend_from_slice(&crc32(b"IHDR\0\0\0\0\0\0\0\0\0\0\0\0\0").to_be_bytes());
        png.extend_from_slice(b"rest");
        let out = with_resolution(&png, 300.0);
        assert_eq!(out.len(), png.len() + 21);
        assert_eq!(&out[37..41], b"pHYs");
        // 300 dpi is 11 811 pixels per metre, in both directions.
        assert_eq!(&out[41..45], &11811u32.to_be_bytes());
        assert_eq!(&out[45..49], &11811u32.to_be_bytes());
        assert_eq!(out[49], 1);
        assert_eq!(&out[50..54], &crc32(&out[37..50]).to_be_bytes());
        assert!(out.ends_with(b"rest"));
        // Once is enough; what is not a PNG is left alone.
        assert_eq!(with_resolution(&out, 300.0), out);
        assert_eq!(with_resolution(b"GIF89a", 300.0), b"GIF89a");
    }

    #[test]
    fn ticks_fit_their_labels_on_a_short_axis() {
        // A forest panel of realised service beside long variant names:
        // five ticks of "−0.0025" do not fit in 90 pt, fewer do.
        let (lo, hi) = (-0.0031, 0.0029);
        let fits = |t: &[f64], d: usize| {
            let widest = t
                .iter()
                .map(|x| Frame::text_width_pt(&tick_label(*x, d), size::TICK))
                .fold(0.0, f64::max);
            widest + 6.0 <= 90.0 * (t[1] - t[0]) / (hi - lo)
        };
        let (crowded, cd) = nice_ticks(lo, hi, 5);
        assert!(!fits(&crowded, cd), "{crowded:?}");
        let (t, d) = fitting_ticks(lo, hi, 90.0, 5);
        assert!(t.len() >= 2 && fits(&t, d), "{t:?}");
        // A round step that leaves one tick steps down until two fall in.
        assert!(fitting_ticks(0.001, 0.08, 100.0, 3).0.len() >= 2);
        assert!(fitting_ticks(-0.37, 0.39, 70.0, 3).0.len() >= 2);
        // Three ticks never fit in 60 pt: the outer two do.
        let (t, d) = fitting_ticks(-0.0036, 0.0034, 60.0, 5);
        assert_eq!(t, vec![-0.0025, 0.0025], "{t:?} {d}");
        // A long axis keeps the ticks it asks for.
        assert_eq!(fitting_ticks(lo, hi, 600.0, 5).0, crowded);
    }

    #[test]
    fn ticks_are_round_and_read_alike() {
        let (t, d) = nice_ticks(0.093, 0.161, 5);
        assert_eq!(d, 2);
        assert!(t.len() >= 3 && t.len() <= 8, "{t:?}");
        let labels: Vec<String> = t.iter().map(|x| tick_label(*x, d)).collect();
        assert!(labels.iter().all(|l| l.len() == 4), "{labels:?}");
        let (t, _) = nice_ticks(0.0, 0.3, 3);
        assert_eq!(t.len(), 4, "the end tick is kept: {t:?}");
        let (t, d) = nice_ticks(1100.0, 1480.0, 5);
        assert_eq!(d, 0);
        assert_eq!(tick_label(t[0], d), "1100");
        assert_eq!(tick_label(12500.0, 0), "12\u{2009}500");
        assert_eq!(tick_label(-0.25, 2), "\u{2212}0.25");
        assert_eq!(tick_label(-0.0001, 2), "0.00");
    }

    #[test]
    fn a_series_that_hardly_moves_gets_a_wide_enough_axis() {
        // Formalism at 0.600–0.602: the axis spans at least 5 % of 0.6.
        let (lo, hi) = padded(0.600, 0.602);
        assert!(hi - lo >= 0.03 - 1e-12, "{lo} {hi}");
        assert!(lo <= 0.600 && hi >= 0.602, "{lo} {hi}");
        // A series that moves keeps its own range plus the 6 % margin.
        let (lo, hi) = padded(0.3, 0.6);
        assert!((lo - 0.282).abs() < 1e-12 && (hi - 0.618).abs() < 1e-12);
        // A flat series gets the same least span, centred on it.
        let (lo, hi) = padded(0.6, 0.6);
        assert!(hi - lo >= 0.03 - 1e-12 && hi - lo < 0.04, "{lo} {hi}");
        assert!(((lo + hi) / 2.0 - 0.6).abs() < 1e-12, "{lo} {hi}");
        // Non-negative data coming near zero starts at zero: cost at 7–68
        // (before: at 3.3, without a 0 tick), a share at 0.2–0.9.
        assert_eq!(padded(7.05, 68.4).0, 0.0);
        assert_eq!(padded(0.2, 0.9).0, 0.0);
        // Far from zero it does not: the data keep the axis.
        assert!(padded(0.45, 0.85).0 > 0.4);
        assert!(padded(1100.0, 1480.0).0 > 1000.0);
        // Negative values are widened by their magnitude too.
        let (lo, hi) = padded(-0.602, -0.600);
        assert!(hi - lo >= 0.03 - 1e-12 && lo <= -0.602 && hi >= -0.600);
        // Data all at zero: no negative ticks (before: −1 to 1).
        assert_eq!(padded(0.0, 0.0), (0.0, 1.0));
    }

    #[test]
    fn frames_keep_printed_sizes() {
        let o = ChartOptions::default();
        let png = o.frame(Format::Png, 200.0);
        assert_eq!(png.width, 1890); // 16 cm at 300 dpi
        let svg = o.frame(Format::Svg, 200.0);
        assert_eq!(svg.width, 605); // 16 cm at 96 px per inch
        assert!(o.check().is_ok());
        let bad = ChartOptions {
            dpi: 5000,
            ..ChartOptions::default()
        };
        assert!(bad.check().unwrap_err().contains("50–1200"));
    }

    #[test]
    fn spread_labels_keep_their_gap_and_bounds() {
        let p = spread(&[100, 102, 101, 300], 10, (0, 310));
        let mut sorted = p.clone();
        sorted.sort();
        assert!(sorted.windows(2).all(|w| w[1] - w[0] >= 10), "{p:?}");
        assert_eq!(p[3], 300);
        let p = spread(&[305, 306], 10, (0, 308));
        assert!(p.iter().all(|&x| x <= 308), "{p:?}");
    }

    #[test]
    fn long_names_wrap_at_their_words_and_shorten_only_as_a_last_resort() {
        let name = "mass_evaluation_with_strong_supervision";
        let w = |s: &str| Frame::text_width_pt(s, size::LABEL);
        assert_eq!(wrapped_name(name, 400.0, size::LABEL), vec![name]);
        // Two lines, broken after an underscore, as even as the breaks allow.
        let two = wrapped_name(name, 100.0, size::LABEL);
        assert_eq!(two, vec!["mass_evaluation_with_", "strong_supervision"]);
        assert!(two.iter().all(|l| w(l) <= 100.0));
        // Too long for two lines: the second ends in an ellipsis.
        let long = format!("{name}_{name}");
        let cut = wrapped_name(&long, 100.0, size::LABEL);
        assert_eq!(cut.len(), 2);
        assert!(
            cut[1].contains('…') && cut.iter().all(|l| w(l) <= 100.0),
            "{cut:?}"
        );
        // A name without breaks is shortened in its middle, keeping its ends.
        let short = ellipsized("abcdefghijklmnopqrstuvwxyz", 40.0, size::LABEL);
        assert!(short.starts_with('a') && short.ends_with('z') && w(&short) <= 40.0);
        assert_eq!(ellipsized("abc", 40.0, size::LABEL), "abc");
    }

    #[test]
    fn a_variant_has_one_colour_and_later_rounds_are_told_apart() {
        assert_eq!(variant_colour(0), BLACK);
        assert_eq!(variant_colour(1), PALETTE[1]);
        assert_eq!(
            variant_colour(8),
            variant_colour(1),
            "black stays the baseline's"
        );
        assert!(!timeseries::variant_dashed(7) && timeseries::variant_dashed(8));
        // Only the yellow is darkened for its name.
        assert_ne!(text_colour(PALETTE[7]), PALETTE[7]);
        assert!(PALETTE[..7].iter().all(|&c| text_colour(c) == c));
    }

    #[test]
    fn metrics_are_bounded_by_their_units() {
        assert_eq!(metric_bounds("share_met"), Some((0.0, 1.0)));
        assert_eq!(metric_bounds("satisfaction_mean"), Some((0.0, 1.0)));
        assert_eq!(metric_bounds("cost"), Some((0.0, f64::INFINITY)));
        assert_eq!(metric_bounds("assessment_score"), None);
        assert_eq!(metric_bounds("no_such_metric"), None);
    }

    #[test]
    fn axis_names_carry_units() {
        assert_eq!(
            metric_axis("realised_service"),
            "realised service (needs/household/month)"
        );
    }
}
