//! The dashboard: one figure of panels for the first page of a report (the
//! main outcomes over time, and for a comparison the differences from the
//! baseline).

use super::forest::ForestPanel;
use super::timeseries::TimeSeries;
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

impl Dashboard {
    fn columns(&self, width_pt: f64) -> usize {
        if self.panels.len() > 1 && width_pt >= TWO_COLUMNS_PT {
            2
        } else {
            1
        }
    }

    /// The height in points of each row of panels: a panel's share of the
    /// width, or what a forest panel's rows need if that is more.
    fn row_pt(&self, width_pt: f64) -> f64 {
        let cols = self.columns(width_pt);
        let forest = self
            .panels
            .iter()
            .filter_map(|p| match p {
                Panel::Forest(f) => Some(f.height_pt() + 8.0),
                Panel::Series(_) => None,
            })
            .fold(0.0, f64::max);
        ((width_pt / cols as f64) * 0.8).max(forest)
    }
}

impl Figure for Dashboard {
    fn height_pt(&self, width_pt: f64) -> f64 {
        let cols = self.columns(width_pt);
        let rows = self.panels.len().max(1).div_ceil(cols);
        size::TITLE * 2.4
            + 8.0
            + rows as f64 * self.row_pt(width_pt)
            + note_height_pt(&self.note, width_pt)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let grid = framed(area, frame, &self.title, &self.note)?;
        let width_pt = f64::from(area.dim_in_pixel().0) / frame.px_per_pt;
        let cols = self.columns(width_pt);
        let rows = self.panels.len().max(1).div_ceil(cols);
        for (panel, cell) in self.panels.iter().zip(grid.split_evenly((rows, cols))) {
            let cell = cell.margin(frame.px(4.0), frame.px(4.0), frame.px(4.0), frame.px(4.0));
            match panel {
                Panel::Series(ts) => ts.draw_panel(&cell, frame, &ts.title)?,
                Panel::Forest(f) => f.draw(&cell, frame)?,
            }
        }
        Ok(())
    }
}
