//! Distributions at the final month (`distributions.csv`): for each
//! quantity — household satisfaction, household trust, member motivation —
//! every variant's distribution drawn as a violin of its bins (a histogram
//! mirrored about the variant's centre line), side by side, in the
//! variant's colour, with its mean marked; one panel across households (or
//! active members) and one across villages (each village's mean).

use super::{
    Drawn, Figure, Frame, GREY, Ticked, framed, house_mesh, note_height_pt, size, tick_label,
    variant_colour, wrapped_name,
};
use crate::output::OutputError;
use crate::output::files::AtomicFile;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// One distribution of `distributions.csv`: a variant's (or sweep point's)
/// counts of one quantity at one level, bin by bin.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    /// Variant (or sweep point) name.
    pub variant: String,
    /// `households`, `members` or `villages`.
    pub level: String,
    /// `satisfaction`, `trust` or `motivation`.
    pub quantity: String,
    /// Each bin's lower and upper edge, in order.
    pub bins: Vec<(f64, f64)>,
    /// Each bin's count (pooled over replicates).
    pub counts: Vec<u64>,
}

impl Distribution {
    /// The number of values counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Each bin's share of the total (all 0 when nothing was counted).
    pub fn shares(&self) -> Vec<f64> {
        let total = self.total();
        self.counts
            .iter()
            .map(|&c| match total {
                0 => 0.0,
                t => c as f64 / t as f64,
            })
            .collect()
    }

    /// The mean, taking each value at its bin's midpoint (within half a bin
    /// width, 0.025, of the exact mean); `None` when nothing was counted.
    pub fn mean(&self) -> Option<f64> {
        let total = self.total();
        (total > 0).then(|| {
            self.bins
                .iter()
                .zip(&self.counts)
                .map(|((lo, hi), &c)| (lo + hi) / 2.0 * c as f64)
                .sum::<f64>()
                / total as f64
        })
    }
}

/// The levels a distribution may have.
const LEVELS: [&str; 3] = ["households", "members", "villages"];
/// The quantities, in the order their charts are drawn.
pub const QUANTITIES: [&str; 3] = ["satisfaction", "trust", "motivation"];

/// Read `distributions.csv` (of a run, a comparison or a sweep): one
/// [`Distribution`] per variant (or point), level and quantity, in the
/// order of the file.
pub fn read(path: &Path) -> Result<Vec<Distribution>, OutputError> {
    let refused = |why: String| OutputError::Refused {
        path: path.to_path_buf(),
        why,
    };
    let mut reader = ::csv::Reader::from_path(path).map_err(|e| {
        refused(format!(
            "cannot read this table ({e}); run again the command that wrote it"
        ))
    })?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| refused(format!("no header row ({e})")))?
        .iter()
        .map(String::from)
        .collect();
    let column = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.as_str()))
            .ok_or_else(|| {
                refused(format!(
                    "has no column `{}`; was it written by another version of grassroots?",
                    names.join("` or `")
                ))
            })
    };
    let group = column(&["variant", "point"])?;
    let level = column(&["level"])?;
    let quantity = column(&["quantity"])?;
    let (low, high, count) = (
        column(&["bin_low"])?,
        column(&["bin_high"])?,
        column(&["count"])?,
    );
    let mut out: Vec<Distribution> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let row = record.map_err(|e| refused(format!("line {line}: damaged row ({e})")))?;
        let cell = |c: usize| row.get(c).unwrap_or("");
        let number = |c: usize| -> Result<f64, OutputError> {
            cell(c).parse().map_err(|_| {
                refused(format!(
                    "line {line}: `{}` in column `{}` is not a number",
                    cell(c),
                    header[c]
                ))
            })
        };
        if !LEVELS.contains(&cell(level)) {
            return Err(refused(format!(
                "line {line}: level `{}`; valid: {}",
                cell(level),
                LEVELS.join(", ")
            )));
        }
        if !QUANTITIES.contains(&cell(quantity)) {
            return Err(refused(format!(
                "line {line}: quantity `{}`; valid: {}",
                cell(quantity),
                QUANTITIES.join(", ")
            )));
        }
        let (lo, hi) = (number(low)?, number(high)?);
        if !((0.0..=1.0).contains(&lo) && lo < hi && hi <= 1.0) {
            return Err(refused(format!(
                "line {line}: bin [{lo}, {hi}) is not within [0, 1]"
            )));
        }
        let n: u64 = cell(count).parse().map_err(|_| {
            refused(format!(
                "line {line}: count `{}` is not a whole number",
                cell(count)
            ))
        })?;
        let same = |d: &Distribution| {
            d.variant == cell(group) && d.level == cell(level) && d.quantity == cell(quantity)
        };
        match out.last_mut().filter(|d| same(d)) {
            Some(d) => {
                if d.bins.last().is_some_and(|&(_, h)| (h - lo).abs() > 1e-9) {
                    return Err(refused(format!(
                        "line {line}: bin [{lo}, {hi}) does not follow the bin before it"
                    )));
                }
                d.bins.push((lo, hi));
                d.counts.push(n);
            }
            None => {
                if out.iter().any(same) {
                    return Err(refused(format!(
                        "line {line}: the rows of {} {} {} are not together",
                        cell(group),
                        cell(level),
                        cell(quantity)
                    )));
                }
                out.push(Distribution {
                    variant: cell(group).to_string(),
                    level: cell(level).to_string(),
                    quantity: cell(quantity).to_string(),
                    bins: vec![(lo, hi)],
                    counts: vec![n],
                });
            }
        }
    }
    Ok(out)
}

/// One violin: a variant's distribution in its colour.
#[derive(Debug, Clone, PartialEq)]
pub struct Violin {
    /// Variant name (label under the violin).
    pub label: String,
    /// Colour (the variant's, from the shared palette).
    pub colour: RGBColor,
    /// Each bin's lower and upper edge.
    pub bins: Vec<(f64, f64)>,
    /// Each bin's share of the variant's values.
    pub shares: Vec<f64>,
    /// The mean (`None`: nothing counted).
    pub mean: Option<f64>,
}

/// A panel: the violins of one level, side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionPanel {
    /// Caption ("across households").
    pub caption: String,
    /// y-axis description ("satisfaction (0–1)").
    pub axis: String,
    /// The violins, left to right.
    pub violins: Vec<Violin>,
}

/// Half the width of a violin's slot its widest bin fills.
const HALF_WIDTH: f64 = 0.42;
/// Slots of a panel with fewer violins.
const MIN_SLOTS: f64 = 3.0;
/// The smallest size in points of the names under the violins; longer
/// names break over two lines.
const MIN_LABEL_PT: f64 = 5.0;
/// Height of a row of text under the violins, in points.
const UNDER_ROW_PT: f64 = size::TICK * 1.3;

/// The names and means under a panel's violins (see
/// [`DistributionPanel::under`]).
struct Under {
    /// Whether every name fits its slot on one row.
    fits: bool,
    /// Rows of names: 1, or 2 alternating.
    label_rows: f64,
    /// Size of the names in points.
    label_pt: f64,
    /// Each name, on one line or two.
    labels: Vec<Vec<String>>,
    /// Lines of the longest name.
    label_lines: f64,
    /// Each mean as written.
    means: Vec<String>,
    /// Whether every mean fits its slot on one row.
    means_fit: bool,
    /// Rows of means: 1, or 2 alternating.
    mean_rows: f64,
    /// Size of the means in points.
    mean_pt: f64,
}

impl Under {
    /// Height of a line of the names, in points: a row, or less for
    /// names broken over two lines of small type.
    fn label_line_pt(&self) -> f64 {
        if self.label_lines > 1.0 {
            self.label_pt * 1.2
        } else {
            UNDER_ROW_PT
        }
    }

    /// Height in points of the names and means.
    fn height_pt(&self) -> f64 {
        self.label_rows * self.label_lines * self.label_line_pt()
            + self.mean_rows * UNDER_ROW_PT
            + 6.0
    }
}

impl DistributionPanel {
    /// The names and means under the violins in slots `slot_pt` wide.
    fn under(&self, slot_pt: f64) -> Under {
        let fits = self
            .violins
            .iter()
            .all(|v| Frame::text_width_pt(&v.label, size::TICK) < slot_pt - 2.0);
        let label_rows = if fits { 1.0 } else { 2.0 };
        // Alternating rows give each label two slots; longer ones are set
        // smaller rather than run into their neighbours, down to
        // MIN_LABEL_PT, and below that broken over two lines (only a name
        // too long for two shortened by an ellipsis), as the forest plot's.
        let room_pt = 2.0 * slot_pt - 6.0;
        let label_pt = if fits {
            size::TICK
        } else {
            super::sweep::fit_pt(
                self.violins.iter().map(|v| v.label.clone()),
                room_pt,
                size::TICK,
            )
            .max(MIN_LABEL_PT)
        };
        let labels: Vec<Vec<String>> = self
            .violins
            .iter()
            .map(|v| {
                if fits {
                    vec![v.label.clone()]
                } else {
                    wrapped_name(&v.label, room_pt, label_pt)
                }
            })
            .collect();
        let label_lines = labels.iter().map(Vec::len).max().unwrap_or(1) as f64;
        // The means under them: in one row where they fit their slots,
        // else alternating too (and smaller where two slots are too few).
        let means: Vec<String> = self
            .violins
            .iter()
            .map(|v| match v.mean {
                Some(m) => tick_label(m, 2),
                None => "none".to_string(),
            })
            .collect();
        let means_fit = means
            .iter()
            .all(|m| Frame::text_width_pt(m, size::TICK) < slot_pt - 2.0);
        let (mean_rows, mean_pt) = if means_fit {
            (1.0, size::TICK)
        } else {
            (
                2.0,
                super::sweep::fit_pt(means.iter().cloned(), 2.0 * slot_pt - 4.0, size::TICK),
            )
        };
        Under {
            fits,
            label_rows,
            label_pt,
            labels,
            label_lines,
            means,
            means_fit,
            mean_rows,
            mean_pt,
        }
    }

    /// Height in points a panel `width_pt` wide adds for names broken
    /// over two lines or means in two rows, beyond the three rows of
    /// alternating names and their means, so that its plot keeps its
    /// height.
    fn extra_pt(&self, width_pt: f64) -> f64 {
        let plot_pt = width_pt - (Frame::text_width_pt("0.0", size::TICK) + size::LABEL + 16.0);
        let slots = (self.violins.len().max(1) as f64).max(MIN_SLOTS);
        let under = self.under(plot_pt / slots);
        (under.height_pt() - (3.0 * UNDER_ROW_PT + 6.0)).max(0.0)
    }

    /// Draw the panel on `area`.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        // At least three slots, so one or two violins are not drawn across
        // the whole width; the violins centred among them.
        let n = self.violins.len().max(1) as f64;
        let slots = n.max(MIN_SLOTS);
        let offset = (slots - n) / 2.0;
        let ticks = vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
        let widest_tick = Frame::text_width_pt("0.0", size::TICK);
        // Labels under the violins: one row if they fit their slots,
        // otherwise alternating between two rows; the mean under each.
        let plot_pt =
            f64::from(area.dim_in_pixel().0) / frame.px_per_pt - (widest_tick + size::LABEL + 16.0);
        let slot_pt = plot_pt / slots;
        let under = self.under(slot_pt);
        let Under {
            fits,
            label_pt,
            ref labels,
            label_lines,
            ref means,
            means_fit,
            mean_pt,
            ..
        } = under;
        let area_w = area.dim_in_pixel().0 as i32;
        let under_pt = under.height_pt();
        let label_line = frame.px(under.label_line_pt());
        let mut chart = ChartBuilder::on(area)
            .caption(&self.caption, frame.font(size::PANEL, BLACK))
            .margin_top(frame.px(4.0))
            .margin_left(frame.px(2.0))
            .margin_right(frame.px(6.0))
            .margin_bottom(frame.px(2.0))
            .x_label_area_size(frame.px(under_pt))
            .y_label_area_size(frame.px(widest_tick + size::LABEL + 10.0))
            .build_cartesian_2d(
                Ticked::new(0.0, slots, vec![]),
                Ticked::new(0.0, 1.0, ticks),
            )
            .drawn()?;
        house_mesh(&mut chart, frame)
            .disable_x_mesh()
            .x_labels(0)
            .y_desc(&self.axis)
            .y_label_formatter(&|y| tick_label(*y, 1))
            .draw()
            .drawn()?;
        let base = area.get_base_pixel();
        for (i, v) in self.violins.iter().enumerate() {
            let centre = offset + i as f64 + 0.5;
            if let Some(outline) = violin_outline(v, centre) {
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        outline.clone(),
                        v.colour.mix(0.35).filled(),
                    )))
                    .drawn()?;
                let mut closed = outline;
                closed.push(closed[0]);
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        closed,
                        v.colour.stroke_width(frame.upx(0.8)),
                    )))
                    .drawn()?;
            }
            if let Some(mean) = v.mean {
                let bar = BLACK.stroke_width(frame.upx(1.4));
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(centre - 0.25, mean), (centre + 0.25, mean)],
                        bar,
                    )))
                    .drawn()?;
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (centre, mean),
                        frame.px(2.2),
                        WHITE.filled(),
                    )))
                    .drawn()?;
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (centre, mean),
                        frame.px(2.2),
                        BLACK.stroke_width(frame.upx(1.0)),
                    )))
                    .drawn()?;
            }
            let at = chart.backend_coord(&(centre, 0.0));
            let (x, y) = (at.0 - base.0, at.1 - base.1 + frame.px(3.0));
            let row = if fits { 0.0 } else { (i % 2) as f64 };
            let line = frame.px(size::TICK * 1.3);
            // Black, not the variant's colour (yellow and sky blue are faint
            // on white), and kept inside the chart at its ends.
            for (k, text) in labels[i].iter().enumerate() {
                let half = frame.px(Frame::text_width_pt(text, label_pt) / 2.0);
                let label_x = x.clamp(half.min(area_w / 2), (area_w - half).max(area_w / 2));
                let at = row * label_lines + k as f64;
                area.draw(&Text::new(
                    text.clone(),
                    (label_x, y + (at * f64::from(label_line)) as i32),
                    frame
                        .font(label_pt, BLACK)
                        .pos(Pos::new(HPos::Center, VPos::Top)),
                ))
                .drawn()?;
            }
            let mean_row = if means_fit { 0.0 } else { (i % 2) as f64 };
            let names = under.label_rows * label_lines * f64::from(label_line);
            area.draw(&Text::new(
                means[i].clone(),
                (x, y + (names + mean_row * f64::from(line)) as i32),
                frame
                    .font(mean_pt, GREY)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .drawn()?;
        }
        Ok(())
    }
}

/// The outline of a violin centred at `centre`: each bin from its lower to
/// its upper edge, half as wide as its share relative to the largest share
/// times [`HALF_WIDTH`], up the left side and down the right; empty bins
/// at either end are left out. `None` when nothing was counted.
fn violin_outline(v: &Violin, centre: f64) -> Option<Vec<(f64, f64)>> {
    let largest = v.shares.iter().copied().fold(0.0, f64::max);
    let first = v.shares.iter().position(|&s| s > 0.0)?;
    let last = v.shares.iter().rposition(|&s| s > 0.0)?;
    let half = |k: usize| HALF_WIDTH * v.shares[k] / largest;
    let mut left = Vec::new();
    for k in first..=last {
        let (lo, hi) = v.bins[k];
        left.push((centre - half(k), lo));
        left.push((centre - half(k), hi));
    }
    let right: Vec<(f64, f64)> = left
        .iter()
        .rev()
        .map(|&(x, y)| (2.0 * centre - x, y))
        .collect();
    // Close the ends on the centre line.
    let (bottom, top) = (v.bins[first].0, v.bins[last].1);
    let mut outline = vec![(centre, bottom)];
    outline.extend(left);
    outline.push((centre, top));
    outline.extend(right);
    Some(outline)
}

/// The chart of one quantity: a panel across households (or active
/// members) above a panel across villages.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionChart {
    /// Title.
    pub title: String,
    /// The panels, top to bottom.
    pub panels: Vec<DistributionPanel>,
    /// The note under the chart.
    pub note: String,
}

impl Figure for DistributionChart {
    fn height_pt(&self, width_pt: f64) -> f64 {
        size::TITLE * 2.4
            + 8.0
            + self.panels.len() as f64 * width_pt * 0.42
            + self
                .panels
                .iter()
                .map(|p| p.extra_pt(width_pt))
                .sum::<f64>()
            + note_height_pt(&self.note, width_pt)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let plot = framed(area, frame, &self.title, &self.note)?;
        let panels = plot.split_evenly((self.panels.len().max(1), 1));
        for (panel, cell) in self.panels.iter().zip(&panels) {
            panel.draw(cell, frame)?;
        }
        Ok(())
    }
}

/// What the values of `level` are, for captions and notes.
fn across(level: &str) -> &'static str {
    match level {
        "households" => "households",
        "members" => "active members",
        _ => "villages (village means)",
    }
}

/// The charts of `distributions` (read by [`read`]): one per quantity
/// present, with its file stem (`distribution_<quantity>`), titled
/// "`name` — <quantity> at the final month". `variants` chooses and orders
/// the variants drawn (empty: all, in the order of the file). A variant
/// takes the colour of its place in `study` (the study's variants, the
/// baseline first: [`variant_colour`]), as in the study's other charts,
/// whichever are drawn; a variant not in `study` (or with `study` empty)
/// that of its place in the file. `environments`: the counts pool sampled
/// environments too (a study with `[uncertainty]`), which the note says.
pub fn figures(
    name: &str,
    distributions: &[Distribution],
    variants: &[String],
    study: &[String],
    environments: bool,
) -> Vec<(String, DistributionChart)> {
    let mut in_file: Vec<&str> = Vec::new();
    for d in distributions {
        if !in_file.contains(&d.variant.as_str()) {
            in_file.push(&d.variant);
        }
    }
    let place = |variant: &str| {
        study
            .iter()
            .position(|v| v == variant)
            .or_else(|| in_file.iter().position(|v| *v == variant))
            .unwrap_or(0)
    };
    let mut order: Vec<&str> = Vec::new();
    if variants.is_empty() {
        for d in distributions {
            if !order.contains(&d.variant.as_str()) {
                order.push(&d.variant);
            }
        }
    } else {
        order.extend(variants.iter().map(String::as_str));
    }
    let mut out = Vec::new();
    for quantity in QUANTITIES {
        let panels: Vec<DistributionPanel> = LEVELS
            .iter()
            .filter_map(|&level| {
                let violins: Vec<Violin> = order
                    .iter()
                    .filter_map(|&variant| {
                        let d = distributions.iter().find(|d| {
                            d.variant == variant && d.level == level && d.quantity == quantity
                        })?;
                        Some(Violin {
                            label: variant.to_string(),
                            colour: variant_colour(place(variant)),
                            bins: d.bins.clone(),
                            shares: d.shares(),
                            mean: d.mean(),
                        })
                    })
                    .collect();
                (!violins.is_empty()).then(|| DistributionPanel {
                    caption: format!("across {}", across(level)),
                    axis: format!("{quantity} (0–1)"),
                    violins,
                })
            })
            .collect();
        if panels.is_empty() {
            continue;
        }
        out.push((
            format!("distribution_{quantity}"),
            DistributionChart {
                title: format!("{name} — {quantity} at the final month"),
                panels,
                note: format!(
                    "width: share per bin of 0.05, pooled over replicates{} (widest bin full width); circle and number: mean from bin midpoints",
                    if environments { " and sampled environments" } else { "" }
                ),
            },
        ));
    }
    out
}

/// Draw the charts of `distributions` (see [`figures`], which `variants`,
/// `study` and `environments` are passed to) into `dir`, each in
/// every format of `options`, into partial files the caller commits.
/// Returns each file with its name relative to `dir`
/// (`distribution_<quantity>.<ext>`).
pub fn draw(
    dir: &Path,
    name: &str,
    distributions: &[Distribution],
    variants: &[String],
    study: &[String],
    environments: bool,
    options: &super::ChartOptions,
) -> Result<Vec<(String, AtomicFile)>, OutputError> {
    let mut out = Vec::new();
    for (stem, figure) in figures(name, distributions, variants, study, environments) {
        let files = super::write(dir, &stem, &figure, options)?;
        for (file, format) in files.into_iter().zip(&options.formats) {
            out.push((format!("{stem}.{}", format.extension()), file));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::chart::colour;

    fn csv(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("distributions.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn read_groups_rows_and_refuses_what_is_not_a_distribution() {
        let head = "variant,level,quantity,bin_low,bin_high,count,share\n";
        let (_d, path) = csv(&format!(
            "{head}a,households,trust,0,0.5,1,0.25\na,households,trust,0.5,1,3,0.75\nb,villages,trust,0,0.5,0,0\nb,villages,trust,0.5,1,2,1\n"
        ));
        let ds = read(&path).unwrap();
        assert_eq!(ds.len(), 2);
        assert_eq!(ds[0].counts, [1, 3]);
        assert_eq!(ds[0].bins, [(0.0, 0.5), (0.5, 1.0)]);
        assert_eq!(ds[0].shares(), [0.25, 0.75]);
        assert_eq!(ds[0].mean(), Some(0.25 * 0.25 + 0.75 * 0.75));
        assert_eq!(
            (ds[1].variant.as_str(), ds[1].level.as_str()),
            ("b", "villages")
        );
        let refused = |body: &str| {
            let (_d, path) = csv(&format!("{head}{body}"));
            read(&path).unwrap_err().to_string()
        };
        assert!(refused("a,towns,trust,0,0.5,1,1\n").contains("level `towns`"));
        assert!(refused("a,households,joy,0,0.5,1,1\n").contains("quantity `joy`"));
        assert!(refused("a,households,trust,0,0.5,x,1\n").contains("count `x`"));
        assert!(refused("a,households,trust,0.5,0.2,1,1\n").contains("not within [0, 1]"));
        assert!(
            refused("a,households,trust,0,0.5,1,1\na,households,trust,0.6,1,1,1\n")
                .contains("does not follow")
        );
        assert!(
            refused("a,households,trust,0,0.5,1,1\nb,households,trust,0,0.5,1,1\na,households,trust,0.5,1,1,1\n")
                .contains("not together")
        );
        let (_d, path) = csv("variant,level\na,households\n");
        assert!(
            read(&path)
                .unwrap_err()
                .to_string()
                .contains("no column `quantity`")
        );
        // A sweep's file names its points.
        let (_d, path) = csv(
            "point,level,quantity,bin_low,bin_high,count,share\n3,members,motivation,0,1,5,1\n",
        );
        assert_eq!(read(&path).unwrap()[0].variant, "3");
    }

    fn dist(variant: &str, level: &str, quantity: &str, counts: &[u64]) -> Distribution {
        let n = counts.len() as f64;
        Distribution {
            variant: variant.into(),
            level: level.into(),
            quantity: quantity.into(),
            bins: (0..counts.len())
                .map(|k| (k as f64 / n, (k + 1) as f64 / n))
                .collect(),
            counts: counts.to_vec(),
        }
    }

    #[test]
    fn names_and_means_under_many_violins_never_collide() {
        // Twelve variants on an 8 cm chart: slots about 16 pt wide.
        let names = [
            "baseline",
            "mass_evaluation",
            "mass_supervision",
            "exemplary_models",
            "training_technology",
            "direct_election",
            "fund_guarantee",
            "mutual_help",
            "two_committees",
            "industry_branches",
            "spiritual_guidance",
            "five_forces",
        ];
        let panel = DistributionPanel {
            caption: "across households".into(),
            axis: "satisfaction (0–1)".into(),
            violins: names
                .iter()
                .map(|n| Violin {
                    label: n.to_string(),
                    colour: BLACK,
                    bins: vec![(0.0, 1.0)],
                    shares: vec![1.0],
                    mean: Some(0.3),
                })
                .collect(),
        };
        let slot_pt = 16.3;
        let under = panel.under(slot_pt);
        // Names alternate, each within its two slots, none below 6 pt
        // (before: set at 5 pt and still running into each other).
        assert_eq!(under.label_rows, 2.0);
        assert!(under.label_pt >= MIN_LABEL_PT);
        for line in under.labels.iter().flatten() {
            let w = Frame::text_width_pt(line, under.label_pt);
            assert!(w <= 2.0 * slot_pt - 6.0, "{line}: {w}");
        }
        // Means alternate too, each narrower than two slots (before: one
        // row of 7.5 pt "0.30" wider than a slot).
        assert_eq!(under.mean_rows, 2.0);
        for m in &under.means {
            assert!(Frame::text_width_pt(m, under.mean_pt) < 2.0 * slot_pt - 2.0);
        }
        // Wide slots keep one row of each, at the tick size.
        let wide = panel.under(80.0);
        assert_eq!((wide.label_rows, wide.mean_rows), (1.0, 1.0));
        assert_eq!((wide.label_pt, wide.mean_pt), (size::TICK, size::TICK));
    }

    #[test]
    fn one_chart_per_quantity_with_a_panel_per_level_and_colours_in_order() {
        let ds = vec![
            dist("base", "households", "trust", &[1, 3, 0, 0]),
            dist("base", "villages", "trust", &[0, 2, 0, 0]),
            dist("p", "households", "trust", &[0, 0, 2, 2]),
            dist("p", "villages", "trust", &[0, 0, 0, 1]),
            dist("p", "members", "motivation", &[0, 0, 0, 0]),
        ];
        let figs = figures("s", &ds, &[], &[], false);
        let stems: Vec<&str> = figs.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(stems, ["distribution_trust", "distribution_motivation"]);
        let trust = &figs[0].1;
        assert_eq!(trust.title, "s — trust at the final month");
        assert_eq!(trust.panels.len(), 2);
        assert_eq!(trust.panels[0].caption, "across households");
        assert_eq!(trust.panels[1].caption, "across villages (village means)");
        let v = &trust.panels[0].violins;
        assert_eq!((v[0].colour, v[1].colour), (colour(0), colour(1)));
        assert_eq!(v[1].mean, Some(0.75));
        // Nothing counted: no mean, no outline.
        let motivation = &figs[1].1.panels[0].violins[0];
        assert_eq!(motivation.mean, None);
        assert_eq!(violin_outline(motivation, 0.5), None);
        // Beyond eight variants black is not repeated.
        assert_eq!(variant_colour(7), colour(7));
        assert_eq!(variant_colour(8), colour(1));
        // Chosen variants, in the order chosen, keep their own colours: a
        // variant's place in the study, else in the file.
        let chosen = ["p".to_string(), "base".to_string()];
        let figs = figures("s", &ds, &chosen, &[], false);
        let v = &figs[0].1.panels[0].violins;
        assert_eq!((v[0].label.as_str(), v[0].colour), ("p", colour(1)));
        assert_eq!((v[1].label.as_str(), v[1].colour), ("base", colour(0)));
        let study = ["base", "q", "p"].map(String::from);
        let figs = figures("s", &ds, &chosen[..1], &study, false);
        let v = &figs[0].1.panels[0].violins;
        assert_eq!((v.len(), v[0].colour), (1, variant_colour(2)));
    }

    #[test]
    fn a_violin_is_as_wide_as_its_shares_and_skips_empty_ends() {
        let v = Violin {
            label: "a".into(),
            colour: colour(0),
            bins: vec![(0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.0)],
            shares: vec![0.0, 0.25, 0.75, 0.0],
            mean: Some(0.5),
        };
        let outline = violin_outline(&v, 1.5).unwrap();
        let xs: Vec<f64> = outline.iter().map(|p| p.0).collect();
        let ys: Vec<f64> = outline.iter().map(|p| p.1).collect();
        // From 0.25 (the first non-empty bin) to 0.75 (the last).
        assert_eq!(ys.iter().copied().fold(f64::INFINITY, f64::min), 0.25);
        assert_eq!(ys.iter().copied().fold(0.0, f64::max), 0.75);
        // The widest bin spans the slot's HALF_WIDTH on each side.
        let min_x = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let max_x = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert!((1.5 - min_x - HALF_WIDTH).abs() < 1e-12);
        assert!((max_x - 1.5 - HALF_WIDTH).abs() < 1e-12);
        // The other bin a third as wide, on both sides.
        assert!(outline.contains(&(1.5 - HALF_WIDTH / 3.0, 0.25)));
        assert!(outline.contains(&(1.5 + HALF_WIDTH / 3.0, 0.25)));
    }

    #[test]
    fn charts_are_drawn_as_png_and_svg_with_their_words_as_text() {
        let ds = vec![
            dist("baseline", "households", "satisfaction", &[1, 3, 5, 1]),
            dist("baseline", "villages", "satisfaction", &[0, 2, 1, 0]),
            dist(
                "mass_evaluation",
                "households",
                "satisfaction",
                &[0, 1, 4, 6],
            ),
            dist("mass_evaluation", "villages", "satisfaction", &[0, 0, 2, 1]),
        ];
        let dir = tempfile::tempdir().unwrap();
        let options = super::super::ChartOptions {
            width_cm: 8.0,
            dpi: 100,
            ..Default::default()
        };
        let drawn = draw(dir.path(), "study", &ds, &[], &[], false, &options).unwrap();
        let names: Vec<&str> = drawn.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "distribution_satisfaction.png",
                "distribution_satisfaction.svg"
            ]
        );
        for (_, file) in drawn {
            file.commit().unwrap();
        }
        let svg =
            std::fs::read_to_string(dir.path().join("distribution_satisfaction.svg")).unwrap();
        for text in [
            "study — satisfaction at the final month",
            "across households",
            "across villages (village means)",
            "satisfaction (0–1)",
            "mass_evaluation",
            "0.74",
        ] {
            // Real text: a <text> element holding exactly the words.
            let element = format!(">\n{text}\n</text>");
            assert!(svg.contains(&element), "no text {text} in {svg}");
        }
        let png = std::fs::read(dir.path().join("distribution_satisfaction.png")).unwrap();
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        assert_eq!(width, (8.0 / 2.54 * 100.0_f64).round() as u32);
        // Drawn into memory: the second variant's blue fills part of it.
        let (_, figure) = &figures("study", &ds, &[], &[], false)[0];
        let frame = options.frame(
            super::super::Format::Png,
            figure.height_pt(options.width_pt()),
        );
        let mut pixels = vec![0u8; (frame.width * frame.height * 3) as usize];
        super::super::ensure_font();
        {
            let root = BitMapBackend::with_buffer(&mut pixels, (frame.width, frame.height))
                .into_drawing_area();
            root.fill(&WHITE).unwrap();
            figure.draw(&root, &frame).unwrap();
            root.present().unwrap();
        }
        let blue = pixels
            .chunks(3)
            .filter(|p| p[2] > 150 && p[0] < 200 && p[2] > p[0] + 40)
            .count();
        assert!(blue > 200, "{blue} blue pixels");
    }
}
