//! Time series: the mean of a metric over months with its 95 % CI band,
//! one line per variant, months on the same 0-based axis as the CSVs, a
//! dashed marker at each `[[changes]]` month. Up to five lines share one
//! panel and are labelled at their ends; more are drawn as small multiples,
//! each variant against the baseline in grey.

use super::{
    Drawn, Figure, Frame, GREY, Ticked, colour, dashed_vertical, framed, house_mesh, nice_ticks,
    note_height_pt, padded, size, spread, tick_label,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One point of a line: x, the mean and its 95 % CI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Month (or any x).
    pub x: f64,
    /// Mean.
    pub mean: f64,
    /// Lower end of the 95 % CI (the mean where undefined).
    pub lo: f64,
    /// Upper end of the 95 % CI.
    pub hi: f64,
}

/// A labelled line with its band.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Variant (or series) name.
    pub label: String,
    /// Points in order of x.
    pub points: Vec<Point>,
}

/// A dashed vertical marker with a label (a `[[changes]]` month).
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Where (month).
    pub x: f64,
    /// What happens there.
    pub label: String,
}

/// A time-series chart.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSeries {
    /// Title (scenario and metric).
    pub title: String,
    /// x-axis description ("month").
    pub x_label: String,
    /// y-axis description with unit.
    pub y_label: String,
    /// Lines; the first is the baseline where there are several.
    pub lines: Vec<Line>,
    /// Markers.
    pub markers: Vec<Marker>,
    /// The note under the chart (what lines and bands are).
    pub note: String,
}

/// Above this many lines a chart becomes small multiples.
pub const MAX_LINES_IN_ONE_PANEL: usize = 5;

/// Which lines a panel shows and how.
struct Shown {
    line: usize,
    colour: RGBColor,
    band: f64,
}

impl TimeSeries {
    /// The note, which for small multiples also says what the y axes and
    /// the grey line are (the panels have no room for them).
    fn full_note(&self) -> String {
        if self.small_multiples() {
            format!(
                "y axes: {}; grey: {}. {}",
                self.y_label, self.lines[0].label, self.note
            )
        } else {
            self.note.clone()
        }
    }

    fn small_multiples(&self) -> bool {
        self.lines.len() > MAX_LINES_IN_ONE_PANEL
    }

    /// Rows and columns of small multiples (one panel per variant after the
    /// baseline).
    fn grid(&self, width_pt: f64) -> (usize, usize) {
        let panels = self.lines.len().saturating_sub(1).max(1);
        let cols = if width_pt >= 380.0 { 3 } else { 2 }.min(panels);
        (panels.div_ceil(cols), cols)
    }

    /// The y range covering every band.
    fn y_range(&self) -> (f64, f64) {
        let all = || self.lines.iter().flat_map(|l| l.points.iter());
        let lo = all()
            .map(|p| p.lo.min(p.mean))
            .fold(f64::INFINITY, f64::min);
        let hi = all()
            .map(|p| p.hi.max(p.mean))
            .fold(f64::NEG_INFINITY, f64::max);
        padded(lo, hi)
    }

    fn x_range(&self) -> (f64, f64) {
        let all = || self.lines.iter().flat_map(|l| l.points.iter());
        let lo = all().map(|p| p.x).fold(f64::INFINITY, f64::min);
        let hi = all().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            (0.0, 1.0)
        } else if hi > lo {
            (lo, hi)
        } else {
            (lo, lo + 1.0)
        }
    }

    /// Draw the chart as one panel with `caption` on `area` (no note): the
    /// form a dashboard uses.
    pub fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
        caption: &str,
    ) -> Result<(), String> {
        let shown = self.one_panel_lines();
        let labels = self.lines.len() > 1;
        self.panel(
            area,
            frame,
            &shown,
            self.y_range(),
            caption,
            labels,
            true,
            true,
        )
    }

    fn one_panel_lines(&self) -> Vec<Shown> {
        (0..self.lines.len().min(8))
            .map(|i| Shown {
                line: i,
                colour: colour(i),
                band: 0.15,
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
        shown: &[Shown],
        (y0, y1): (f64, f64),
        caption: &str,
        end_labels: bool,
        marker_labels: bool,
        y_desc: bool,
    ) -> Result<(), String> {
        let (x0, x1) = self.x_range();
        let compact = !caption.is_empty();
        let x_ticks = month_ticks(x0, x1);
        let (y_ticks, y_dec) = nice_ticks(y0, y1, if compact { 4 } else { 6 });
        let widest_tick = y_ticks
            .iter()
            .map(|t| Frame::text_width_pt(&tick_label(*t, y_dec), size::TICK))
            .fold(0.0, f64::max);
        let label_room = if end_labels {
            shown
                .iter()
                .map(|s| Frame::text_width_pt(&self.lines[s.line].label, size::LABEL))
                .fold(0.0, f64::max)
                + 8.0
        } else {
            8.0
        };
        let mut builder = ChartBuilder::on(area);
        if compact {
            builder.caption(caption, frame.font(size::PANEL, BLACK));
        }
        builder
            .margin_top(frame.px(6.0))
            .margin_left(frame.px(2.0))
            .margin_right(frame.px(label_room))
            .margin_bottom(frame.px(2.0))
            .x_label_area_size(frame.px(size::TICK + size::LABEL + 10.0))
            .y_label_area_size(
                frame.px(widest_tick + if y_desc { size::LABEL + 10.0 } else { 6.0 }),
            );
        let mut chart = builder
            .build_cartesian_2d(Ticked::new(x0, x1, x_ticks), Ticked::new(y0, y1, y_ticks))
            .drawn()?;
        house_mesh(&mut chart, frame)
            .x_desc(&self.x_label)
            .y_desc(if y_desc { self.y_label.as_str() } else { "" })
            .x_label_formatter(&|x| tick_label(*x, 0))
            .y_label_formatter(&|y| tick_label(*y, y_dec))
            .draw()
            .drawn()?;
        // Markers under the data.
        for m in &self.markers {
            if m.x < x0 || m.x > x1 {
                continue;
            }
            let top = chart.backend_coord(&(m.x, y1));
            let bottom = chart.backend_coord(&(m.x, y0));
            let base = area.get_base_pixel();
            let x = top.0 - base.0;
            dashed_vertical(area, frame, x, (top.1 - base.1, bottom.1 - base.1), GREY)?;
            if marker_labels {
                let style = frame
                    .font(size::NOTE, GREY)
                    .pos(Pos::new(HPos::Left, VPos::Top));
                area.draw(&Text::new(
                    m.label.clone(),
                    (x + frame.px(2.0), top.1 - base.1 + frame.px(1.0)),
                    style,
                ))
                .drawn()?;
            }
        }
        for s in shown {
            let line = &self.lines[s.line];
            let band: Vec<(f64, f64)> = line
                .points
                .iter()
                .map(|p| (p.x, p.hi))
                .chain(line.points.iter().rev().map(|p| (p.x, p.lo)))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    s.colour.mix(s.band).filled(),
                )))
                .drawn()?;
            chart
                .draw_series(LineSeries::new(
                    line.points.iter().map(|p| (p.x, p.mean)),
                    s.colour.stroke_width(frame.upx(size::LINE)),
                ))
                .drawn()?;
        }
        if end_labels {
            let base = area.get_base_pixel();
            let (_, h) = area.dim_in_pixel();
            let ends: Vec<(usize, (i32, i32))> = shown
                .iter()
                .enumerate()
                .filter_map(|(k, s)| {
                    let last = self.lines[s.line].points.last()?;
                    Some((k, chart.backend_coord(&(last.x, last.mean))))
                })
                .collect();
            let targets: Vec<i32> = ends.iter().map(|(_, p)| p.1 - base.1).collect();
            let placed = spread(&targets, frame.px(size::LABEL * 1.15), (0, h as i32));
            for ((k, p), y) in ends.iter().zip(placed) {
                let s = &shown[*k];
                let style = frame
                    .font(size::LABEL, s.colour)
                    .pos(Pos::new(HPos::Left, VPos::Center));
                area.draw(&Text::new(
                    self.lines[s.line].label.clone(),
                    (p.0 - base.0 + frame.px(4.0), y),
                    style,
                ))
                .drawn()?;
            }
        }
        Ok(())
    }
}

/// Month ticks: every year over long spans, every half year or quarter over
/// shorter ones, always including the first month.
fn month_ticks(x0: f64, x1: f64) -> Vec<f64> {
    let span = x1 - x0;
    let step = if span >= 96.0 {
        24.0
    } else if span >= 36.0 {
        12.0
    } else if span >= 18.0 {
        6.0
    } else if span >= 8.0 {
        3.0
    } else {
        1.0
    };
    let first = (x0 / step).ceil() * step;
    let mut ticks = Vec::new();
    let mut t = first;
    while t <= x1 + 1e-9 {
        ticks.push(t);
        t += step;
    }
    ticks
}

impl Figure for TimeSeries {
    fn height_pt(&self, width_pt: f64) -> f64 {
        let chrome = size::TITLE * 2.4 + 8.0 + note_height_pt(&self.full_note(), width_pt);
        if self.small_multiples() {
            let (rows, cols) = self.grid(width_pt);
            chrome + rows as f64 * (width_pt / cols as f64) * 0.78
        } else {
            chrome + width_pt * 0.52
        }
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let plot = framed(area, frame, &self.title, &self.full_note())?;
        if self.small_multiples() {
            let width_pt = f64::from(frame.width) / frame.px_per_pt;
            let (rows, cols) = self.grid(width_pt);
            let y = self.y_range();
            let panels = plot.split_evenly((rows, cols));
            for (k, panel) in panels.iter().enumerate() {
                let line = k + 1;
                if line >= self.lines.len() {
                    break;
                }
                let shown = [
                    Shown {
                        line: 0,
                        colour: GREY,
                        band: 0.12,
                    },
                    Shown {
                        line,
                        colour: colour(1),
                        band: 0.2,
                    },
                ];
                let caption = self.lines[line].label.clone();
                self.panel(panel, frame, &shown, y, &caption, false, k == 0, false)?;
            }
        } else {
            let shown = self.one_panel_lines();
            let labels = self.lines.len() > 1;
            self.panel(&plot, frame, &shown, self.y_range(), "", labels, true, true)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_ticks_start_at_zero_and_step_by_years() {
        assert_eq!(month_ticks(0.0, 119.0), vec![0.0, 24.0, 48.0, 72.0, 96.0]);
        assert_eq!(month_ticks(0.0, 47.0), vec![0.0, 12.0, 24.0, 36.0]);
        assert_eq!(month_ticks(0.0, 5.0).len(), 6);
    }
}
