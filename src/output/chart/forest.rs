//! Forest plots: each variant's difference from the baseline on an outcome,
//! point and 95 % CI, sorted, against a zero line, labelled with the
//! relative difference; one panel per outcome.

use super::{
    Drawn, Figure, Frame, GREY, Ticked, colour, fitting_ticks, framed, note_height_pt, padded,
    row_axes, size, tick_label,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One row: a variant's difference from the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Variant name.
    pub label: String,
    /// Difference from the baseline.
    pub value: f64,
    /// Its 95 % CI (lower, upper), `None` without one (below two
    /// replicates): drawn as a hollow point without a bar.
    pub ci: Option<(f64, f64)>,
    /// The difference relative to the baseline mean, when that is not zero.
    pub relative: Option<f64>,
}

impl Estimate {
    /// Whether there is a CI and it excludes zero.
    pub fn excludes_zero(&self) -> bool {
        self.ci.is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0)
    }

    /// The CI, or the point itself without one.
    fn span(&self) -> (f64, f64) {
        self.ci.unwrap_or((self.value, self.value))
    }

    /// The label at the right of the row: the relative difference ("+21.6 %")
    /// or, without one, the difference.
    pub fn annotation(&self) -> String {
        match self.relative {
            Some(r) if r.is_finite() => {
                let pct = 100.0 * r;
                let digits = if pct.abs() >= 100.0 { 0 } else { 1 };
                let sign = if pct > 0.0 { "+" } else { "" };
                format!("{sign}{} %", tick_label(pct, digits))
            }
            _ => {
                let sign = if self.value > 0.0 { "+" } else { "" };
                format!("{sign}{}", crate::output::report::sig4(self.value))
            }
        }
    }
}

/// One outcome's panel.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestPanel {
    /// Outcome (panel title).
    pub title: String,
    /// x-axis description ("difference from baseline (unit)").
    pub axis: String,
    /// Rows, drawn in the order given (see [`ForestPanel::sorted`]).
    pub rows: Vec<Estimate>,
}

impl ForestPanel {
    /// The panel with its rows sorted from the largest difference down.
    pub fn sorted(mut self) -> ForestPanel {
        self.rows.sort_by(|a, b| b.value.total_cmp(&a.value));
        self
    }

    /// Widths in points of the row labels' area (left) and of the
    /// annotations' (right): what the x axis does not get.
    fn margins_pt(&self) -> (f64, f64) {
        let label_pt = self
            .rows
            .iter()
            .map(|r| Frame::text_width_pt(&r.label, size::LABEL))
            .fold(0.0, f64::max)
            + 6.0;
        let note_pt = self
            .rows
            .iter()
            .map(|r| Frame::text_width_pt(&r.annotation(), size::LABEL))
            .fold(0.0, f64::max)
            + 8.0;
        (label_pt, note_pt)
    }

    /// The length in points of the x axis in a cell `width_pt` wide: what
    /// the row labels and annotations leave.
    fn axis_pt(&self, width_pt: f64) -> f64 {
        let (label_pt, note_pt) = self.margins_pt();
        width_pt - label_pt - note_pt - 4.0
    }

    /// The height in points the panel's rows, title and axis need.
    pub(super) fn height_pt(&self) -> f64 {
        size::PANEL * 2.0 + self.rows.len().max(1) as f64 * ROW_PT + size::TICK + size::LABEL + 14.0
    }

    /// Draw the panel on `area`.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let n = self.rows.len().max(1) as f64;
        let lo = self
            .rows
            .iter()
            .map(|r| r.span().0.min(r.value))
            .fold(0.0, f64::min);
        let hi = self
            .rows
            .iter()
            .map(|r| r.span().1.max(r.value))
            .fold(0.0, f64::max);
        let (x0, x1) = padded(lo, hi);
        // `padded` snaps a near-zero lower end to zero; a forest wants room
        // on both sides of the zero line.
        let pad = (x1 - x0) * 0.04;
        let (x0, x1) = (x0.min(-pad), x1.max(pad));
        let (label_pt, note_pt) = self.margins_pt();
        let axis_pt = self.axis_pt(f64::from(area.dim_in_pixel().0) / frame.px_per_pt);
        let most = if axis_pt < 150.0 { 3 } else { 5 };
        let (ticks, dec) = fitting_ticks(x0, x1, axis_pt, most);
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, frame.font(size::PANEL, BLACK))
            .margin_top(frame.px(4.0))
            .margin_left(frame.px(2.0))
            .margin_right(frame.px(note_pt))
            .margin_bottom(frame.px(2.0))
            .x_label_area_size(frame.px(size::TICK + size::LABEL + 10.0))
            .y_label_area_size(frame.px(label_pt))
            .build_cartesian_2d(Ticked::new(x0, x1, ticks), 0.0..n)
            .drawn()?;
        row_axes(&mut chart, frame, &self.axis, dec, n)?;
        let base = area.get_base_pixel();
        let ink = colour(1);
        for (i, r) in self.rows.iter().enumerate() {
            let y = n - 0.5 - i as f64;
            let line = ink.stroke_width(frame.upx(1.0));
            if let Some((lo, hi)) = r.ci {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(lo, y), (hi, y)],
                        line,
                    )))
                    .drawn()?;
            }
            let radius = frame.px(2.4);
            let point = if r.excludes_zero() {
                Circle::new((r.value, y), radius, ink.filled())
            } else {
                Circle::new((r.value, y), radius, WHITE.filled())
            };
            chart.draw_series(std::iter::once(point)).drawn()?;
            chart
                .draw_series(std::iter::once(Circle::new((r.value, y), radius, line)))
                .drawn()?;
            let left = chart.backend_coord(&(x0, y));
            let right = chart.backend_coord(&(x1, y));
            area.draw(&Text::new(
                r.label.clone(),
                (left.0 - base.0 - frame.px(4.0), left.1 - base.1),
                frame
                    .font(size::LABEL, BLACK)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .drawn()?;
            area.draw(&Text::new(
                r.annotation(),
                (right.0 - base.0 + frame.px(4.0), right.1 - base.1),
                frame
                    .font(size::LABEL, if r.excludes_zero() { BLACK } else { GREY })
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .drawn()?;
        }
        Ok(())
    }
}

/// Height of a row in points.
const ROW_PT: f64 = 13.0;

/// A forest plot: one panel per outcome, stacked.
#[derive(Debug, Clone, PartialEq)]
pub struct Forest {
    /// Title (the study's name).
    pub title: String,
    /// Panels.
    pub panels: Vec<ForestPanel>,
    /// The note under the chart.
    pub note: String,
}

impl Forest {
    /// Panels side by side: two columns from three outcomes on, where half
    /// the width leaves each panel's x axis at least 50 pt beside its row
    /// labels and annotations; one column on a narrow chart.
    fn columns(&self, width_pt: f64) -> usize {
        let shortest = self
            .panels
            .iter()
            .map(|p| p.axis_pt(width_pt / 2.0))
            .fold(f64::INFINITY, f64::min);
        if self.panels.len() > 2 && shortest >= 50.0 {
            2
        } else {
            1
        }
    }

    /// The height in points of each row of panels.
    fn row_heights(&self, width_pt: f64) -> Vec<f64> {
        self.panels
            .chunks(self.columns(width_pt))
            .map(|row| row.iter().map(ForestPanel::height_pt).fold(0.0, f64::max))
            .collect()
    }
}

impl Figure for Forest {
    fn height_pt(&self, width_pt: f64) -> f64 {
        size::TITLE * 2.4
            + 8.0
            + self.row_heights(width_pt).iter().sum::<f64>()
            + note_height_pt(&self.note, width_pt)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let mut rest = framed(area, frame, &self.title, &self.note)?;
        let width_pt = f64::from(area.dim_in_pixel().0) / frame.px_per_pt;
        let cols = self.columns(width_pt);
        for (row, height) in self.panels.chunks(cols).zip(self.row_heights(width_pt)) {
            let (this, below) = rest.split_vertically(frame.px(height));
            let cells = this.split_evenly((1, cols));
            for (panel, cell) in row.iter().zip(&cells) {
                panel.draw(cell, frame)?;
            }
            rest = below;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, value: f64, relative: Option<f64>) -> Estimate {
        Estimate {
            label: label.into(),
            value,
            ci: Some((value - 0.1, value + 0.1)),
            relative,
        }
    }

    #[test]
    fn a_narrow_forest_stacks_its_panels() {
        let panel = ForestPanel {
            title: "t".into(),
            axis: "a".into(),
            rows: vec![row("training_technology", 0.1, Some(0.445))],
        };
        let forest = Forest {
            title: "f".into(),
            panels: vec![panel.clone(), panel.clone(), panel],
            note: String::new(),
        };
        // 16 cm is 453.5 pt: two columns leave each axis over 50 pt.
        assert_eq!(forest.columns(453.5), 2);
        // 8 cm: side by side the axes would vanish.
        assert_eq!(forest.columns(226.8), 1);
    }

    #[test]
    fn rows_sort_from_the_largest_difference() {
        let p = ForestPanel {
            title: "t".into(),
            axis: "a".into(),
            rows: vec![
                row("a", 0.1, None),
                row("b", 0.5, None),
                row("c", -0.3, None),
            ],
        }
        .sorted();
        let order: Vec<&str> = p.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(order, ["b", "a", "c"]);
    }

    #[test]
    fn annotations_read_as_percentages() {
        assert_eq!(row("a", 0.02, Some(0.216)).annotation(), "+21.6 %");
        assert_eq!(row("a", -0.02, Some(-0.05)).annotation(), "\u{2212}5.0 %");
        assert_eq!(row("a", 2.0, Some(1.5)).annotation(), "+150 %");
        assert_eq!(row("a", 0.25, None).annotation(), "+0.2500");
        assert!(row("a", 0.2, None).excludes_zero());
        assert!(!row("a", 0.05, None).excludes_zero());
        let no_ci = Estimate {
            ci: None,
            ..row("a", 0.2, None)
        };
        assert!(!no_ci.excludes_zero(), "no interval, no mark");
    }
}
