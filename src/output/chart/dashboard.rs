//! The dashboard: one figure of panels for the first page of a report (the
//! main outcomes over time, and for a comparison the differences from the
//! baseline).

use super::forest::{ForestPanel, MIN_AXIS_PT};
use super::timeseries::{MIN_PLOT_PT, TimeSeries};
use super::{Figure, Frame, framed, note_height_pt, size};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One panel of a dashboard.
#[derive(Debug, Clone, PartialEq)]
pub enum Panel {
    /// A time series, captioned with its title.
    Series(TimeSeries),
    /// A forest panel of one outcome.
    Forest(ForestPanel),
}

/// A dashboard: panels on a grid of two columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// Title.
    pub title: String,
    /// Panels, left to right, top to bottom.
    pub panels: Vec<Panel>,
    /// The note under the figure.
    pub note: String,
}

/// Narrower than this (in points, about 14 cm), a dashboard stacks its
/// panels in one column: side by side they would leave axes too short to
/// read.
const TWO_COLUMNS_PT: f64 = 400.0;

/// The margin around each panel's cell, in points (on each side).
const CELL_MARGIN_PT: f64 = 4.0;

impl Dashboard {
    /// Two columns where the width allows and every panel keeps a
    /// readable plot at half of it as it is (names beside a time series'
    /// lines, forest labels on one line); otherwise one, in which long
    /// names wrap or move under the plot instead.
    fn columns(&self, width_pt: f64) -> usize {
        let cell = width_pt / 2.0 - 2.0 * CELL_MARGIN_PT;
        let fits = |p: &Panel| match p {
            Panel::Series(ts) => {
                let (plot, legend) = ts.panel_plot_pt(cell);
                !legend && plot >= MIN_PLOT_PT
            }
            Panel::Forest(f) => f.natural_axis_pt(cell) >= MIN_AXIS_PT,
        };
        if self.panels.len() > 1 && width_pt >= TWO_COLUMNS_PT && self.panels.iter().all(fits) {
            2
        } else {
            1
        }
    }

    /// The heights in points of the rows of panels. In two columns, rows
    /// alike: a panel's share of the width, or what a forest panel's rows
    /// need if that is more. In one, each panel its own: a time series
    /// half as high as it is wide, a forest panel what its rows need.
    fn row_heights(&self, width_pt: f64) -> Vec<f64> {
        let cols = self.columns(width_pt);
        let cell = width_pt / cols as f64 - 2.0 * CELL_MARGIN_PT;
        let forest = |f: &ForestPanel| f.height_pt(cell) + 2.0 * CELL_MARGIN_PT;
        if cols == 1 {
            return self
                .panels
                .iter()
                .map(|p| match p {
                    Panel::Series(ts) => (width_pt * 0.5).max(150.0) + ts.panel_legend_pt(cell),
                    Panel::Forest(f) => forest(f),
                })
                .collect();
        }
        let tallest = self
            .panels
            .iter()
            .filter_map(|p| match p {
                Panel::Forest(f) => Some(forest(f)),
                Panel::Series(_) => None,
            })
            .fold(0.0, f64::max);
        let row = ((width_pt / cols as f64) * 0.8).max(tallest);
        vec![row; self.panels.len().max(1).div_ceil(cols)]
    }

    /// The width in points of each panel's plot area (a forest panel's x
    /// axis) in a dashboard `width_pt` wide: what its layout leaves.
    pub fn plot_widths_pt(&self, width_pt: f64) -> Vec<f64> {
        let cell = width_pt / self.columns(width_pt) as f64 - 2.0 * CELL_MARGIN_PT;
        self.panels
            .iter()
            .map(|p| match p {
                Panel::Series(ts) => ts.panel_plot_pt(cell).0,
                Panel::Forest(f) => f.layout(cell).axis_pt,
            })
            .collect()
    }
}

impl Dashboard {
    /// The note, with what its time-series panels' notes add: where a band
    /// is drawn clipped to its metric's range.
    fn full_note(&self) -> String {
        let mut note = self.note.clone();
        for p in &self.panels {
            if let Panel::Series(ts) = p
                && let Some(clip) = ts.clip_note()
            {
                note.push_str(&format!("; {}: {clip}", ts.title));
            }
        }
        note
    }
}

impl Figure for Dashboard {
    fn height_pt(&self, width_pt: f64) -> f64 {
        size::TITLE * 2.4
            + 8.0
            + self.row_heights(width_pt).iter().sum::<f64>()
            + note_height_pt(&self.full_note(), width_pt)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let mut rest = framed(area, frame, &self.title, &self.full_note())?;
        let width_pt = f64::from(area.dim_in_pixel().0) / frame.px_per_pt;
        let cols = self.columns(width_pt);
        let m = frame.px(CELL_MARGIN_PT);
        for (row, height) in self.panels.chunks(cols).zip(self.row_heights(width_pt)) {
            let (this, below) = rest.split_vertically(frame.px(height));
            for (panel, cell) in row.iter().zip(this.split_evenly((1, cols))) {
                let cell = cell.margin(m, m, m, m);
                match panel {
                    Panel::Series(ts) => ts.draw_panel(&cell, frame, &ts.title)?,
                    Panel::Forest(f) => f.draw(&cell, frame)?,
                }
            }
            rest = below;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::chart::forest::Estimate;
    use crate::output::chart::timeseries::{Line, Point};

    /// A variant name of `len` characters, words joined by underscores.
    fn name(k: usize, len: usize) -> String {
        let mut n = format!("variant{k}");
        for word in ["with", "strong", "supervision", "and", "technology"]
            .iter()
            .cycle()
        {
            if n.len() >= len {
                break;
            }
            n = format!("{n}_{word}");
        }
        n.chars().take(len).collect()
    }

    /// A comparison's dashboard: the first outcome over months and three
    /// forest panels, for variants named `names` (the baseline first).
    fn dashboard(names: &[String]) -> Dashboard {
        let points = |shift: f64| {
            (0..120)
                .map(|m| Point {
                    x: f64::from(m),
                    mean: 0.1 + shift,
                    lo: 0.05 + shift,
                    hi: 0.15 + shift,
                })
                .collect::<Vec<_>>()
        };
        let series = TimeSeries {
            title: "realised service".into(),
            x_label: "month".into(),
            y_label: "needs/household/month".into(),
            lines: names
                .iter()
                .enumerate()
                .map(|(i, n)| Line {
                    label: n.clone(),
                    index: i,
                    points: points(0.01 * i as f64),
                })
                .collect(),
            markers: Vec::new(),
            note: String::new(),
            bounds: None,
        };
        let forest = ForestPanel {
            title: "realised service".into(),
            axis: "difference (needs/household/month)".into(),
            rows: names[1..]
                .iter()
                .enumerate()
                .map(|(i, n)| Estimate {
                    label: n.clone(),
                    index: i + 1,
                    value: 0.015,
                    ci: Some((-0.006, 0.037)),
                    relative: Some(0.165),
                })
                .collect(),
        };
        Dashboard {
            title: "t".into(),
            panels: vec![
                Panel::Series(series),
                Panel::Forest(forest.clone()),
                Panel::Forest(forest.clone()),
                Panel::Forest(forest),
            ],
            note: String::new(),
        }
    }

    fn pt(cm: f64) -> f64 {
        cm / 2.54 * 72.0
    }

    #[test]
    fn long_variant_names_leave_every_panel_a_readable_plot() {
        // Two columns gave a time series 4 pt wide and forest axes of
        // 3 pt beside names of 40 characters at 16 cm.
        for len in [10, 28, 40, 60] {
            let names: Vec<String> = std::iter::once("baseline".to_string())
                .chain((1..=2).map(|k| name(k, len)))
                .collect();
            let d = dashboard(&names);
            for cm in [8.0, 12.0, 16.0, 24.0] {
                let widths = d.plot_widths_pt(pt(cm));
                assert!(
                    widths[0] >= MIN_PLOT_PT,
                    "{len} characters at {cm} cm: time series {widths:?}"
                );
                for w in &widths[1..] {
                    assert!(
                        *w >= MIN_AXIS_PT,
                        "{len} characters at {cm} cm: forest axes {widths:?}"
                    );
                }
                // The rows fit the figure's height.
                assert!(d.height_pt(pt(cm)) < pt(cm) * 4.0, "{len} {cm}");
            }
        }
    }

    #[test]
    fn short_names_keep_two_columns_and_long_ones_drop_to_one() {
        let policy: Vec<String> = [
            "baseline",
            "mass_evaluation",
            "training_technology",
            "mutual_help",
            "five_forces",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(dashboard(&policy).columns(pt(16.0)), 2);
        assert_eq!(dashboard(&policy).columns(pt(12.0)), 1, "below 14 cm");
        let long: Vec<String> = std::iter::once("baseline".to_string())
            .chain((1..=2).map(|k| name(k, 40)))
            .collect();
        assert_eq!(dashboard(&long).columns(pt(16.0)), 1);
        // Side by side, their forest axes would have been a few points long.
        let Panel::Forest(f) = &dashboard(&long).panels[1] else {
            unreachable!()
        };
        assert!(f.natural_axis_pt(pt(16.0) / 2.0 - 8.0) < 10.0);
    }
}
