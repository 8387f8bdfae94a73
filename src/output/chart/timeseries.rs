//! Time series: the mean of a metric over months with its 95 % CI band,
//! one line per variant, months on the same 0-based axis as the CSVs, a
//! dashed marker at each `[[changes]]` month. Up to five lines (the
//! baseline and four variants) share one panel and are labelled at their
//! ends; more are drawn as small multiples, each variant against the
//! baseline in grey. A line of one month is drawn as a marker.

use super::{
    Drawn, Figure, Frame, GREY, Ticked, dashed_vertical, framed, house_mesh, nice_ticks,
    note_height_pt, padded, size, spread, text_colour, tick_label, variant_colour, wrapped_name,
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
    /// The variant's place in its study (the baseline, 0, first), which
    /// gives its colour ([`variant_colour`]) in every chart of the study.
    pub index: usize,
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
    /// The range the metric's values lie in ([`super::metric_bounds`]):
    /// bands are drawn clipped to it, and the note says so where one
    /// passes it (a 95 % t interval of few replicates can: a share's above
    /// 1). `None`: drawn as they are.
    pub bounds: Option<(f64, f64)>,
}

/// Above this many lines (the baseline counted) a chart becomes small
/// multiples.
pub const MAX_LINES_IN_ONE_PANEL: usize = 5;

/// Least width in points of a panel's plot beside the names at its lines'
/// ends; narrower, the names go into a legend under the plot.
pub const MIN_PLOT_PT: f64 = 90.0;
/// ... and the least share of the panel's width the plot keeps beside them.
const MIN_PLOT_SHARE: f64 = 0.4;
/// The left margin of a panel, in points.
const LEFT_PT: f64 = 2.0;
/// A legend entry's line sample and the space after it, in points.
const SWATCH_PT: f64 = 14.0;
/// Space between legend columns, in points.
const LEGEND_GAP_PT: f64 = 10.0;
/// Height of a legend row, in points.
const LEGEND_ROW_PT: f64 = size::LABEL * 1.3;

/// Where a panel names its lines.
#[derive(Debug, Clone, PartialEq)]
enum Names {
    /// Not at all (one line, or small multiples named by their captions).
    None,
    /// At the right end of each line.
    Ends,
    /// In a legend under the plot: columns, their width, the names (one
    /// line or two each).
    Legend {
        cols: usize,
        col_pt: f64,
        labels: Vec<Vec<String>>,
    },
}

impl Names {
    /// The height in points of a legend's rows (0 without a legend), and
    /// where each row starts.
    fn legend_rows_pt(&self) -> (f64, Vec<f64>) {
        let Names::Legend { cols, labels, .. } = self else {
            return (0.0, Vec::new());
        };
        let mut tops = Vec::new();
        let mut top = 0.0;
        for row in labels.chunks(*cols) {
            tops.push(top);
            top += row.iter().map(Vec::len).max().unwrap_or(1) as f64 * LEGEND_ROW_PT;
        }
        (top + 4.0, tops)
    }
}

/// The horizontal layout of a panel.
#[derive(Debug, Clone, PartialEq)]
struct PanelLayout {
    /// Width of the y axis' tick labels and description.
    y_area_pt: f64,
    /// Room right of the plot (the end labels').
    right_pt: f64,
    /// Width of the plot area.
    plot_pt: f64,
    /// Where the lines are named.
    names: Names,
    /// y ticks and their decimals.
    y_ticks: Vec<f64>,
    y_dec: usize,
}

/// Dashes and gaps of a dashed line, in points.
const DASH_PT: f64 = 4.0;
const GAP_PT: f64 = 2.0;

/// Whether variant `index` of a study is drawn dashed in line charts: from
/// the ninth on, the palette's colours come round again
/// ([`variant_colour`]), and the dashes tell such a variant from the one
/// of its colour before it.
pub fn variant_dashed(index: usize) -> bool {
    index >= super::PALETTE.len()
}

/// Which lines a panel shows and how.
struct Shown {
    line: usize,
    colour: RGBColor,
    band: f64,
    /// Dashed: a variant past the palette's first round of colours
    /// ([`variant_dashed`]).
    dashed: bool,
}

impl TimeSeries {
    /// The note, which for small multiples also says what the y axes and
    /// the grey line are (the panels have no room for them).
    fn full_note(&self) -> String {
        let note = match self.clip_note() {
            Some(clip) => format!("{}; {clip}", self.note),
            None => self.note.clone(),
        };
        if self.small_multiples() {
            format!(
                "y axes: {}; grey: {}. {note}",
                self.y_label, self.lines[0].label
            )
        } else {
            note
        }
    }

    /// A point's band, clipped to the metric's bounds.
    fn band(&self, p: &Point) -> (f64, f64) {
        match self.bounds {
            Some((lo, hi)) => (p.lo.max(lo), p.hi.min(hi)),
            None => (p.lo, p.hi),
        }
    }

    /// What the note says where a band passes the metric's bounds and is
    /// drawn clipped ("bands clipped to 0–1, …"); `None` where none does.
    pub fn clip_note(&self) -> Option<String> {
        let (lo, hi) = self.bounds?;
        let passes = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter())
            .any(|p| p.lo < lo || p.hi > hi);
        if !passes {
            return None;
        }
        let range = if hi.is_finite() {
            format!("to {}–{}", tick_label(lo, 0), tick_label(hi, 0))
        } else {
            format!("at {}", tick_label(lo, 0))
        };
        let bands = if self.lines.len() > 1 {
            "bands"
        } else {
            "band"
        };
        Some(format!(
            "{bands} clipped {range}, the range of the values (with few replicates a 95 % t interval can pass it; the CSV files keep the whole interval)"
        ))
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

    /// The y range covering every band (as drawn, clipped).
    fn y_range(&self) -> (f64, f64) {
        let all = || self.lines.iter().flat_map(|l| l.points.iter());
        let lo = all()
            .map(|p| self.band(p).0.min(p.mean))
            .fold(f64::INFINITY, f64::min);
        let hi = all()
            .map(|p| self.band(p).1.max(p.mean))
            .fold(f64::NEG_INFINITY, f64::max);
        padded(lo, hi)
    }

    /// The months' range; a single month (a one-month run) is centred,
    /// with no month invented beside it.
    fn x_range(&self) -> (f64, f64) {
        let all = || self.lines.iter().flat_map(|l| l.points.iter());
        let lo = all().map(|p| p.x).fold(f64::INFINITY, f64::min);
        let hi = all().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            (0.0, 1.0)
        } else if hi > lo {
            (lo, hi)
        } else {
            (lo - 0.5, lo + 0.5)
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
                colour: variant_colour(self.lines[i].index),
                band: 0.15,
                dashed: variant_dashed(self.lines[i].index),
            })
            .collect()
    }

    /// The horizontal layout of a panel `width_pt` wide showing `shown`
    /// on the y range `y` (`compact`: a captioned panel of a dashboard or
    /// of small multiples; `names`: whether the lines are named;
    /// `y_desc`: whether the y axis is described).
    fn layout(
        &self,
        width_pt: f64,
        shown: &[Shown],
        (y0, y1): (f64, f64),
        compact: bool,
        names: bool,
        y_desc: bool,
    ) -> PanelLayout {
        let (y_ticks, y_dec) = nice_ticks(y0, y1, if compact { 4 } else { 6 });
        let widest_tick = y_ticks
            .iter()
            .map(|t| Frame::text_width_pt(&tick_label(*t, y_dec), size::TICK))
            .fold(0.0, f64::max);
        let y_area_pt = widest_tick + if y_desc { size::LABEL + 10.0 } else { 6.0 };
        let plot = |right_pt: f64| width_pt - LEFT_PT - y_area_pt - right_pt;
        let labels: Vec<&str> = shown
            .iter()
            .map(|s| self.lines[s.line].label.as_str())
            .collect();
        let at_ends_pt = labels
            .iter()
            .map(|l| Frame::text_width_pt(l, size::LABEL))
            .fold(0.0, f64::max)
            + 8.0;
        let names = if !names {
            Names::None
        } else if plot(at_ends_pt) >= MIN_PLOT_PT.max(width_pt * MIN_PLOT_SHARE) {
            Names::Ends
        } else {
            // A legend under the plot, aligned with it, in as many columns
            // as fit; a name wider than the legend breaks over two lines,
            // and only one too long for two is shortened.
            let room = (width_pt - LEFT_PT - y_area_pt - 4.0).max(SWATCH_PT + 20.0);
            let labels: Vec<Vec<String>> = labels
                .iter()
                .map(|l| wrapped_name(l, room - SWATCH_PT, size::LABEL))
                .collect();
            let col_pt = labels
                .iter()
                .flatten()
                .map(|l| SWATCH_PT + Frame::text_width_pt(l, size::LABEL))
                .fold(0.0, f64::max)
                + LEGEND_GAP_PT;
            let cols =
                (((room + LEGEND_GAP_PT) / col_pt).floor() as usize).clamp(1, labels.len().max(1));
            Names::Legend {
                cols,
                col_pt,
                labels,
            }
        };
        let right_pt = if names == Names::Ends {
            at_ends_pt
        } else {
            8.0
        };
        PanelLayout {
            y_area_pt,
            right_pt,
            plot_pt: plot(right_pt),
            names,
            y_ticks,
            y_dec,
        }
    }

    /// The width in points of the plot area of this chart drawn as one
    /// captioned panel `width_pt` wide (as a dashboard draws it), and
    /// whether its lines are named in a legend under the plot (rather than
    /// at their ends, or not at all for a single line).
    pub fn panel_plot_pt(&self, width_pt: f64) -> (f64, bool) {
        let layout = self.panel_layout(width_pt);
        (layout.plot_pt, matches!(layout.names, Names::Legend { .. }))
    }

    /// The height in points of the legend under this chart drawn as one
    /// captioned panel `width_pt` wide (0 when its lines are named at their
    /// ends), which a dashboard adds to the panel's height.
    pub fn panel_legend_pt(&self, width_pt: f64) -> f64 {
        self.panel_layout(width_pt).names.legend_rows_pt().0
    }

    /// The layout of this chart drawn as one captioned panel `width_pt` wide.
    fn panel_layout(&self, width_pt: f64) -> PanelLayout {
        self.layout(
            width_pt,
            &self.one_panel_lines(),
            self.y_range(),
            true,
            self.lines.len() > 1,
            true,
        )
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
        let width_pt = f64::from(area.dim_in_pixel().0) / frame.px_per_pt;
        let layout = self.layout(width_pt, shown, (y0, y1), compact, end_labels, y_desc);
        let x_ticks = month_ticks(x0, x1, layout.plot_pt);
        let y_dec = layout.y_dec;
        // A legend takes the foot of the panel.
        let (legend_pt, legend_tops) = layout.names.legend_rows_pt();
        let (area, foot) = if legend_pt > 0.0 {
            let h = area.dim_in_pixel().1 as i32;
            let (body, foot) = area.split_vertically(h - frame.px(legend_pt).min(h / 2));
            (body, Some(foot))
        } else {
            (area.clone(), None)
        };
        let area = &area;
        let mut builder = ChartBuilder::on(area);
        if compact {
            // A caption wider than its panel is set smaller.
            let room = width_pt - LEFT_PT - layout.right_pt - 4.0;
            let needed = Frame::text_width_pt(caption, size::PANEL);
            let pt = if needed > room {
                (size::PANEL * room / needed).max(5.0)
            } else {
                size::PANEL
            };
            builder.caption(caption, frame.font(pt, BLACK));
        }
        builder
            .margin_top(frame.px(6.0))
            .margin_left(frame.px(LEFT_PT))
            .margin_right(frame.px(layout.right_pt))
            .margin_bottom(frame.px(2.0))
            .x_label_area_size(frame.px(size::TICK + size::LABEL + 10.0))
            .y_label_area_size(frame.px(layout.y_area_pt));
        let mut chart = builder
            .build_cartesian_2d(
                Ticked::new(x0, x1, x_ticks),
                Ticked::new(y0, y1, layout.y_ticks.clone()),
            )
            .drawn()?;
        house_mesh(&mut chart, frame)
            .x_desc(&self.x_label)
            .y_desc(if y_desc { self.y_label.as_str() } else { "" })
            .x_label_formatter(&|x| tick_label(*x, 0))
            .y_label_formatter(&|y| tick_label(*y, y_dec))
            .draw()
            .drawn()?;
        if let (
            Some(foot),
            Names::Legend {
                cols,
                col_pt,
                labels,
            },
        ) = (&foot, &layout.names)
        {
            let left = LEFT_PT + layout.y_area_pt;
            for (k, (s, lines)) in shown.iter().zip(labels).enumerate() {
                let x = left + (k % cols) as f64 * col_pt;
                let top = 2.0 + legend_tops[k / cols];
                let y = frame.px(top + 0.5 * LEGEND_ROW_PT);
                let swatch = vec![(frame.px(x), y), (frame.px(x + SWATCH_PT - 4.0), y)];
                let style = s.colour.stroke_width(frame.upx(size::LINE * 1.5));
                if s.dashed {
                    foot.draw(&plotters::element::DashedPathElement::new(
                        swatch,
                        frame.upx(DASH_PT * 0.7),
                        frame.upx(GAP_PT),
                        style,
                    ))
                    .drawn()?;
                } else {
                    foot.draw(&PathElement::new(swatch, style)).drawn()?;
                }
                for (i, line) in lines.iter().enumerate() {
                    foot.draw(&Text::new(
                        line.clone(),
                        (
                            frame.px(x + SWATCH_PT),
                            frame.px(top + (i as f64 + 0.5) * LEGEND_ROW_PT),
                        ),
                        frame
                            .font(size::LABEL, text_colour(s.colour))
                            .pos(Pos::new(HPos::Left, VPos::Center)),
                    ))
                    .drawn()?;
                }
            }
        }
        let end_labels = layout.names == Names::Ends;
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
            if let [p] = line.points.as_slice() {
                // One month: a line of one point draws nothing, so a
                // marker, with its CI as an error bar.
                let (lo, hi) = self.band(p);
                let style = s.colour.stroke_width(frame.upx(size::LINE));
                if hi > lo {
                    let cap = frame.px(2.5);
                    let (x, top) = chart.backend_coord(&(p.x, hi));
                    let (_, bottom) = chart.backend_coord(&(p.x, lo));
                    let base = area.get_base_pixel();
                    let (x, top, bottom) = (x - base.0, top - base.1, bottom - base.1);
                    for path in [
                        vec![(x, top), (x, bottom)],
                        vec![(x - cap, top), (x + cap, top)],
                        vec![(x - cap, bottom), (x + cap, bottom)],
                    ] {
                        area.draw(&PathElement::new(path, style)).drawn()?;
                    }
                }
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (p.x, p.mean),
                        frame.px(2.4),
                        s.colour.filled(),
                    )))
                    .drawn()?;
                continue;
            }
            let band: Vec<(f64, f64)> = line
                .points
                .iter()
                .map(|p| (p.x, self.band(p).1))
                .chain(line.points.iter().rev().map(|p| (p.x, self.band(p).0)))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    s.colour.mix(s.band).filled(),
                )))
                .drawn()?;
            let style = s.colour.stroke_width(frame.upx(size::LINE));
            let points = line.points.iter().map(|p| (p.x, p.mean));
            if s.dashed {
                chart
                    .draw_series(DashedLineSeries::new(
                        points,
                        frame.upx(DASH_PT),
                        frame.upx(GAP_PT),
                        style,
                    ))
                    .drawn()?;
            } else {
                chart.draw_series(LineSeries::new(points, style)).drawn()?;
            }
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
                    .font(size::LABEL, text_colour(s.colour))
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
/// shorter ones, always including the first month; on an axis of
/// `length_pt` points too short for their labels, a wider step (two,
/// five, ten years), so they never run into one another.
fn month_ticks(x0: f64, x1: f64, length_pt: f64) -> Vec<f64> {
    let span = x1 - x0;
    let least = if span >= 96.0 {
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
    let ticks = |step: f64| {
        // `+ 0.0`: no "−0" tick left of a single month 0.
        let first = (x0 / step).ceil() * step + 0.0;
        let mut ticks = Vec::new();
        let mut t = first;
        while t <= x1 + 1e-9 {
            ticks.push(t);
            t += step;
        }
        ticks
    };
    let steps = [1.0, 3.0, 6.0, 12.0, 24.0, 60.0, 120.0, 240.0, 600.0, 1200.0];
    let mut found = ticks(least);
    for step in steps.into_iter().filter(|s| *s >= least) {
        found = ticks(step);
        let widest = found
            .iter()
            .map(|t| Frame::text_width_pt(&tick_label(*t, 0), size::TICK))
            .fold(0.0, f64::max);
        if span <= 0.0 || widest + 6.0 <= length_pt * step / span || found.len() <= 2 {
            break;
        }
    }
    found
}

impl Figure for TimeSeries {
    fn height_pt(&self, width_pt: f64) -> f64 {
        let chrome = size::TITLE * 2.4 + 8.0 + note_height_pt(&self.full_note(), width_pt);
        if self.small_multiples() {
            let (rows, cols) = self.grid(width_pt);
            chrome + rows as f64 * (width_pt / cols as f64) * 0.78
        } else {
            let legend = self
                .layout(
                    width_pt,
                    &self.one_panel_lines(),
                    self.y_range(),
                    false,
                    self.lines.len() > 1,
                    true,
                )
                .names
                .legend_rows_pt()
                .0;
            chrome + width_pt * 0.52 + legend
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
                        dashed: false,
                    },
                    Shown {
                        line,
                        colour: variant_colour(self.lines[line].index),
                        band: 0.2,
                        dashed: variant_dashed(self.lines[line].index),
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
        assert_eq!(
            month_ticks(0.0, 119.0, 300.0),
            vec![0.0, 24.0, 48.0, 72.0, 96.0]
        );
        assert_eq!(month_ticks(0.0, 47.0, 300.0), vec![0.0, 12.0, 24.0, 36.0]);
        assert_eq!(month_ticks(0.0, 5.0, 300.0).len(), 6);
        // A short axis steps wider rather than pile its labels up.
        assert_eq!(month_ticks(0.0, 119.0, 60.0), vec![0.0, 60.0]);
        assert_eq!(month_ticks(0.0, 119.0, 5.0), vec![0.0, 60.0]);
    }

    #[test]
    fn a_share_band_past_1_is_drawn_clipped_and_the_note_says_so() {
        let point = |hi: f64| Point {
            x: 0.0,
            mean: 0.8,
            lo: 0.6,
            hi,
        };
        let chart = |hi: f64, bounds| TimeSeries {
            title: "share met".into(),
            x_label: "month".into(),
            y_label: "share met (share)".into(),
            lines: vec![Line {
                label: "run".into(),
                index: 0,
                points: vec![
                    point(hi),
                    Point {
                        x: 1.0,
                        ..point(0.9)
                    },
                ],
            }],
            markers: Vec::new(),
            note: "line: mean of 3 replicates".into(),
            bounds,
        };
        let share = Some((0.0, 1.0));
        // Three replicates: the t interval reaches 1.12.
        let past = chart(1.12, share);
        assert_eq!(past.band(&past.lines[0].points[0]), (0.6, 1.0));
        assert!(past.y_range().1 < 1.07, "{:?}", past.y_range());
        let note = past.full_note();
        assert!(
            note.starts_with("line: mean of 3 replicates; band clipped to 0–1"),
            "{note}"
        );
        // Within bounds, or without any, nothing is clipped or said.
        assert_eq!(chart(0.95, share).clip_note(), None);
        let unbounded = chart(1.12, None);
        assert_eq!(unbounded.clip_note(), None);
        assert!(unbounded.y_range().1 > 1.12);
        // Counts are bounded below only.
        let count = chart(1.12, Some((0.0, f64::INFINITY)));
        assert_eq!(count.clip_note(), None);
        let below = TimeSeries {
            lines: vec![Line {
                points: vec![Point {
                    lo: -0.5,
                    ..point(0.9)
                }],
                ..count.lines[0].clone()
            }],
            ..count
        };
        assert!(below.clip_note().unwrap().starts_with("band clipped at 0,"));
    }

    #[test]
    fn names_too_long_for_the_ends_of_the_lines_go_under_the_plot() {
        let line = |label: &str| Line {
            label: label.into(),
            index: 0,
            points: vec![
                Point {
                    x: 0.0,
                    mean: 0.1,
                    lo: 0.05,
                    hi: 0.15,
                },
                Point {
                    x: 119.0,
                    mean: 0.1,
                    lo: 0.05,
                    hi: 0.15,
                },
            ],
        };
        let chart = |names: &[&str]| TimeSeries {
            title: "realised service".into(),
            x_label: "month".into(),
            y_label: "needs/household/month".into(),
            lines: names.iter().map(|n| line(n)).collect(),
            markers: Vec::new(),
            note: String::new(),
            bounds: None,
        };
        let short = chart(&["baseline", "mass_evaluation"]);
        let (plot, legend) = short.panel_plot_pt(220.0);
        assert!(!legend && plot >= MIN_PLOT_PT, "{plot}");
        let long = chart(&["baseline", "mass_evaluation_with_strong_supervision"]);
        let (plot, legend) = long.panel_plot_pt(220.0);
        assert!(legend && plot >= 170.0, "{plot}");
        let (_, legend) = long.panel_plot_pt(453.5);
        assert!(!legend, "a full-width chart keeps them at the ends");
        // One line is not named at all.
        let (plot, legend) =
            chart(&["a_run_with_a_long_name_and_its_overrides"]).panel_plot_pt(220.0);
        assert!(!legend && plot >= 170.0, "{plot}");
    }
}
