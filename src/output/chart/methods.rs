//! Charts of sensitivity analyses and calibrations: the μ*–σ plot of a
//! Morris screening, the first-order and total Sobol indices, and the
//! pairwise plot of a calibration's posterior.

use super::sweep::{TITLE_PT, X_AXIS_PT, fit_pt, round_up, tick_count, widest_pt, y_axis_pt};
use super::{
    Drawn, Figure, Frame, GREY, Ticked, colour, dashed_vertical, fitting_ticks, framed, house_mesh,
    nice_ticks, note_height_pt, padded, row_axes, size, tick_label, two_or_more_ticks,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// `x` when finite, else 0.
fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

/// One factor of a Morris screening: μ*, its 95 % CI, σ.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisPoint {
    /// Factor, readable.
    pub factor: String,
    /// μ*, the mean absolute elementary effect.
    pub mu_star: f64,
    /// 95 % bootstrap CI of μ*.
    pub ci: (f64, f64),
    /// σ, the spread of the elementary effects.
    pub sigma: f64,
}

/// The μ*–σ plot of a Morris screening (Campolongo et al. 2007): each
/// factor a labelled point with its μ* CI; factors far right matter, factors
/// high up act non-linearly or through interactions.
#[derive(Debug, Clone, PartialEq)]
pub struct Morris {
    /// Title.
    pub title: String,
    /// x axis description (μ* with the outcome's unit).
    pub x_label: String,
    /// y axis description (σ with the outcome's unit).
    pub y_label: String,
    /// Factors.
    pub points: Vec<MorrisPoint>,
    /// The note under the chart.
    pub note: String,
}

impl Morris {
    /// The axis ranges for a plot `plot_w` points wide: room right of each
    /// point for its label at `font_pt` points.
    fn ranges(&self, plot_w: f64, font_pt: f64) -> ((f64, f64), (f64, f64)) {
        let x_hi = self
            .points
            .iter()
            .map(|p| {
                let label = (Frame::text_width_pt(&p.factor, font_pt) + 8.0) / plot_w;
                let beside = finite(p.mu_star) / (1.0 - label.min(0.6));
                finite(p.ci.1).max(beside)
            })
            .fold(0.0, f64::max);
        let y_hi = self
            .points
            .iter()
            .map(|p| finite(p.sigma))
            .fold(0.0, f64::max);
        let end = |hi: f64| {
            if hi > 0.0 {
                round_up(hi * 1.04, 5)
            } else {
                1.0
            }
        };
        ((0.0, end(x_hi)), (0.0, end(y_hi)))
    }
}

impl MorrisPoint {
    /// Whether the factor had no effect at all (μ* = σ = 0): it sits at the
    /// origin, and the note names it instead of a label.
    fn without_effect(&self) -> bool {
        self.mu_star == 0.0 && self.sigma == 0.0
    }
}

impl Morris {
    /// The note, naming the factors without any effect, which share the
    /// origin (a label for each would need a long leader through the
    /// crowd of small factors).
    fn full_note(&self) -> String {
        let none: Vec<&str> = self
            .points
            .iter()
            .filter(|p| p.without_effect())
            .map(|p| p.factor.as_str())
            .collect();
        if none.is_empty() {
            self.note.clone()
        } else {
            format!(
                "{}; at the origin, without any effect: {}",
                self.note,
                none.join(", ")
            )
        }
    }
}

impl Figure for Morris {
    fn height_pt(&self, width_pt: f64) -> f64 {
        // Tall enough for every label stacked, on narrow charts too.
        let labels = self.points.len() as f64 * size::LABEL * 1.3 + X_AXIS_PT + 16.0;
        TITLE_PT + (width_pt * 0.58).max(labels) + note_height_pt(&self.full_note(), width_pt)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let body = framed(area, frame, &self.title, &self.full_note())?;
        let y_hi = self
            .points
            .iter()
            .map(|p| finite(p.sigma))
            .fold(0.0, f64::max);
        let (probe, probe_dec) = nice_ticks(0.0, if y_hi > 0.0 { y_hi } else { 1.0 }, 5);
        let tick_w = widest_pt(
            probe.iter().map(|t| tick_label(*t, probe_dec + 1)),
            size::TICK,
        );
        // Room for half of the last x tick label, centred on the axis end.
        let right_pt = 16.0;
        let width_pt = f64::from(frame.width) / frame.px_per_pt;
        let plot_w = width_pt - y_axis_pt(tick_w) - right_pt - 2.0;
        let font_pt = fit_pt(
            self.points.iter().map(|p| p.factor.clone()),
            plot_w * 0.45,
            size::LABEL,
        );
        let ((x0, x1), (y0, y1)) = self.ranges(plot_w, font_pt);
        let (x_ticks, x_dec) = nice_ticks(x0, x1, tick_count(plot_w));
        let (y_ticks, y_dec) = nice_ticks(y0, y1, 5);
        let mut chart = ChartBuilder::on(&body)
            .margin_top(frame.px(6.0))
            .margin_left(frame.px(2.0))
            .margin_right(frame.px(right_pt))
            .x_label_area_size(frame.px(X_AXIS_PT))
            .y_label_area_size(frame.px(y_axis_pt(tick_w)))
            .build_cartesian_2d(Ticked::new(x0, x1, x_ticks), Ticked::new(y0, y1, y_ticks))
            .drawn()?;
        house_mesh(&mut chart, frame)
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&|x| tick_label(*x, x_dec))
            .y_label_formatter(&|y| tick_label(*y, y_dec))
            .draw()
            .drawn()?;
        // σ = μ*, dashed: above it, effects change sign or depend strongly on
        // the other factors.
        let edge = x1.min(y1);
        let dots = 60;
        chart
            .draw_series((0..dots).step_by(2).map(|i| {
                let (a, b) = (
                    edge * i as f64 / dots as f64,
                    edge * (i + 1) as f64 / dots as f64,
                );
                PathElement::new(vec![(a, a), (b, b)], GREY.stroke_width(frame.upx(0.8)))
            }))
            .drawn()?;
        let base = body.get_base_pixel();
        let (w, _) = body.dim_in_pixel();
        let at = |x: f64, y: f64| {
            let (px, py) = chart.backend_coord(&(x, y));
            (px - base.0, py - base.1)
        };
        let anchors: Vec<(i32, i32)> = self
            .points
            .iter()
            .map(|p| at(finite(p.mu_star), finite(p.sigma)))
            .collect();
        let spans: Vec<(i32, i32)> = self
            .points
            .iter()
            .map(|p| {
                let (a, _) = at(finite(p.ci.0), 0.0);
                let (b, _) = at(finite(p.ci.1), 0.0);
                (a.min(b), a.max(b))
            })
            .collect();
        // Bars of factors with nearly the same σ and overlapping intervals
        // are drawn a little apart, each still through its point.
        let radius = frame.px(POINT_PT);
        let bar_ys = dodge(
            &anchors.iter().map(|a| a.1).collect::<Vec<_>>(),
            &spans,
            frame.px(BAR_SEPARATION_PT),
            radius - frame.px(0.6),
        );
        let ink = colour(1);
        let cap = frame.px(CAP_PT);
        for ((&(a, b), &y), &(ax, ay)) in spans.iter().zip(&bar_ys).zip(&anchors) {
            let line = ink.stroke_width(frame.upx(1.0));
            body.draw(&PathElement::new(vec![(a, y), (b, y)], line))
                .drawn()?;
            for x in [a, b] {
                body.draw(&PathElement::new(vec![(x, y - cap), (x, y + cap)], line))
                    .drawn()?;
            }
            body.draw(&Circle::new((ax, ay), radius, ink.filled()))
                .drawn()?;
        }
        // Labels beside their points, the most influential placed first,
        // each in the nearest spot clear of the points, the bars, the
        // dashed line and the labels placed before; a grey leader where one
        // had to move away from its point.
        let (left, top) = at(x0, y1);
        let (_, bottom) = at(x0, y0);
        let clear = frame.px(CLEARANCE_PT);
        let mut obstacles: Vec<Boxed> = anchors
            .iter()
            .map(|&(x, y)| (x - radius, y - radius, x + radius, y + radius))
            .collect();
        obstacles.extend(
            spans
                .iter()
                .zip(&bar_ys)
                .map(|(&(a, b), &y)| (a - 1, y - cap, b + 1, y + cap)),
        );
        let obstacles: Vec<Boxed> = obstacles
            .into_iter()
            .map(|b| (b.0 - clear, b.1 - clear, b.2 + clear, b.3 + clear))
            .collect();
        let diagonal = (at(0.0, 0.0), at(edge, edge));
        // Factors at the very same spot (without any effect, at the origin)
        // share one label, a line each, the most influential first.
        let mut order: Vec<usize> = (0..self.points.len())
            .filter(|&i| !self.points[i].without_effect())
            .collect();
        order.sort_by(|&a, &b| {
            finite(self.points[b].mu_star).total_cmp(&finite(self.points[a].mu_star))
        });
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for &i in &order {
            match groups.iter_mut().find(|g| anchors[g[0]] == anchors[i]) {
                Some(g) => g.push(i),
                None => groups.push(vec![i]),
            }
        }
        let line_px = frame.px(font_pt * 1.15);
        let sizes: Vec<(i32, i32)> = groups
            .iter()
            .map(|g| {
                let widest = g
                    .iter()
                    .map(|&i| Frame::text_width_pt(&self.points[i].factor, font_pt))
                    .fold(0.0, f64::max);
                (frame.px(widest), line_px * g.len() as i32)
            })
            .collect();
        let group_anchors: Vec<(i32, i32)> = groups.iter().map(|g| anchors[g[0]]).collect();
        let placed = place_labels(
            &(0..groups.len()).collect::<Vec<_>>(),
            &group_anchors,
            &sizes,
            (radius + clear + 1, cap + clear + 1),
            (
                left + frame.px(2.0),
                top,
                w as i32 - frame.px(2.0),
                bottom - frame.px(1.0),
            ),
            &obstacles,
            &[(diagonal, clear + frame.px(0.5))],
        );
        for ((g, &(ax, ay)), (b, moved)) in groups.iter().zip(&group_anchors).zip(placed) {
            if moved {
                let x = ax.clamp(b.0, b.2);
                let y = ay.clamp(b.1, b.3);
                body.draw(&PathElement::new(
                    vec![(ax, ay), (x, y)],
                    GREY.stroke_width(frame.upx(0.5)),
                ))
                .drawn()?;
            }
            for (k, &i) in g.iter().enumerate() {
                body.draw(&Text::new(
                    self.points[i].factor.clone(),
                    (b.0, b.1 + line_px * k as i32 + line_px / 2),
                    frame
                        .font(font_pt, BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .drawn()?;
            }
        }
        Ok(())
    }
}

/// Radius of a Morris point, in points.
const POINT_PT: f64 = 2.6;
/// Half the height of the caps at the ends of a CI bar, in points.
const CAP_PT: f64 = 1.6;
/// The least distance between two CI bars that overlap along μ*, in
/// points ([`dodge`]).
const BAR_SEPARATION_PT: f64 = 3.4;
/// The room labels keep from points, bars and the dashed line, in points.
const CLEARANCE_PT: f64 = 1.2;

/// A box in pixels: left, top, right, bottom.
type Boxed = (i32, i32, i32, i32);

fn overlaps(a: Boxed, b: Boxed) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// A line segment in pixels.
type Segment = ((i32, i32), (i32, i32));

/// What a label's spot (its box, and whether it moved) must meet.
type Wish<'a> = dyn Fn(&Boxed, bool) -> bool + 'a;

/// Whether the segment `s` passes through the box `b` grown by `pad` on
/// every side (Liang–Barsky clipping).
fn crosses(b: Boxed, s: Segment, pad: i32) -> bool {
    let (x0, y0) = (f64::from(s.0.0), f64::from(s.0.1));
    let (dx, dy) = (f64::from(s.1.0) - x0, f64::from(s.1.1) - y0);
    let (l, t) = (f64::from(b.0 - pad), f64::from(b.1 - pad));
    let (r, bt) = (f64::from(b.2 + pad), f64::from(b.3 + pad));
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [(-dx, x0 - l), (dx, r - x0), (-dy, y0 - t), (dy, bt - y0)] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let u = q / p;
            if p < 0.0 {
                t0 = t0.max(u);
            } else {
                t1 = t1.min(u);
            }
            if t0 > t1 {
                return false;
            }
        }
    }
    true
}

/// The pixel rows of horizontal bars at rows `ys` spanning `spans`: bars
/// that overlap along the axis and lie closer than `gap` are spread apart
/// about their middle, keeping their order, each moved at most `most`
/// from its own row (so a bar still passes through its point).
fn dodge(ys: &[i32], spans: &[(i32, i32)], gap: i32, most: i32) -> Vec<i32> {
    let n = ys.len();
    // Groups of bars linked by being too close: union–find.
    let mut group: Vec<usize> = (0..n).collect();
    fn root(group: &mut [usize], i: usize) -> usize {
        let mut r = i;
        while group[r] != r {
            r = group[r];
        }
        group[i] = r;
        r
    }
    for i in 0..n {
        for j in i + 1..n {
            let along = spans[i].0 <= spans[j].1 && spans[j].0 <= spans[i].1;
            if along && (ys[i] - ys[j]).abs() < gap {
                let (a, b) = (root(&mut group, i), root(&mut group, j));
                group[a.max(b)] = a.min(b);
            }
        }
    }
    let mut out = ys.to_vec();
    for r in 0..n {
        let mut members: Vec<usize> = (0..n).filter(|&i| root(&mut group, i) == r).collect();
        if members.len() < 2 {
            continue;
        }
        members.sort_by_key(|&i| (ys[i], i));
        let m = members.len() as i32;
        let step = gap.min(2 * most / (m - 1)).max(1);
        let middle = members.iter().map(|&i| ys[i]).sum::<i32>() / m;
        for (k, &i) in members.iter().enumerate() {
            let y = middle + (2 * k as i32 - (m - 1)) * step / 2;
            out[i] = y.clamp(ys[i] - most, ys[i] + most);
        }
    }
    out
}

/// Place labels of `sizes` (width, height) beside their `anchors`, `hgap`
/// right or left of them and `vgap` above or below, in the
/// order `order` (most important first), each in the nearest free spot:
/// right of its anchor above it or below it, then left of it, then the
/// spots nearest to it a line or a step sideways at a time; inside
/// `bounds`, clear of `obstacles`, of the `lines` (each with the room
/// given) and of the labels already placed. Returns each label's box and
/// whether it moved away from its anchor (a leader line then shows whose it
/// is). A leader crosses no label, and where possible no other point or
/// bar; a label with no spot clear of everything takes the nearest clear of
/// the other labels, or else goes beside its anchor.
fn place_labels(
    order: &[usize],
    anchors: &[(i32, i32)],
    sizes: &[(i32, i32)],
    (hgap, vgap): (i32, i32),
    bounds: Boxed,
    obstacles: &[Boxed],
    lines: &[(Segment, i32)],
) -> Vec<(Boxed, bool)> {
    let mut placed: Vec<Option<(Boxed, bool)>> = vec![None; anchors.len()];
    let line = sizes.iter().map(|s| s.1).min().unwrap_or(1);
    let mut leaders: Vec<Segment> = Vec::new();
    let mut taken: Vec<Boxed> = obstacles.to_vec();
    let inside =
        |b: &Boxed| b.0 >= bounds.0 && b.1 >= bounds.1 && b.2 <= bounds.2 && b.3 <= bounds.3;
    for &i in order {
        let ((ax, ay), (w, h)) = (anchors[i], sizes[i]);
        // A line of the smallest label up or down, two sideways.
        let step = (line * 11 / 10).max(1);
        let across = 2 * step;
        let rows = ((bounds.3 - bounds.1) / step).max(1);
        let cols = ((bounds.2 - bounds.0) / across).max(1);
        let above = ay - vgap - h;
        let below = ay + vgap;
        let right = ax + hgap;
        let left = ax - hgap - w;
        // Beside the point first (right above, right below, left above,
        // left below); then every spot a whole number of lines up or down
        // and of steps sideways, nearest first.
        let beside = [(right, above), (right, below), (left, above), (left, below)]
            .map(|(x, y)| ((x, y, x + w, y + h), false));
        let distance = |b: &Boxed| {
            let dx = f64::from((b.0 - ax).max(ax - b.2).max(0));
            let dy = f64::from((b.1 - ay).max(ay - b.3).max(0));
            dx.hypot(dy)
        };
        let mut further: Vec<(Boxed, bool)> = (-rows..=rows)
            .flat_map(|k| (0..=cols).map(move |j| (k, j)))
            .flat_map(|(k, j)| {
                let y = if k < 0 {
                    above + k * step
                } else {
                    below + k * step
                };
                [(right + j * across, y), (left - j * across, y)]
            })
            .map(|(x, y)| ((x, y, x + w, y + h), true))
            .filter(|(b, _)| inside(b))
            .collect();
        // Nearest first; the order of generation breaks ties, so the
        // placement is the same on every run.
        further.sort_by(|a, b| distance(&a.0).total_cmp(&distance(&b.0)));
        let candidates = || beside.iter().chain(further.iter()).copied();
        let clear_of_lines = |b: &Boxed| {
            !lines
                .iter()
                .any(|&(segment, pad)| crosses(*b, segment, pad))
        };
        // A leader runs from the anchor to the box's nearest point; it
        // should not cross a label placed before, nor a label cross it.
        let leader = |b: &Boxed| ((ax, ay), (ax.clamp(b.0, b.2), ay.clamp(b.1, b.3)));
        let clear_of_leaders = |b: &Boxed, moved: bool| {
            !leaders.iter().any(|&l| crosses(*b, l, 1))
                && (!moved
                    || !taken[obstacles.len()..]
                        .iter()
                        .any(|t| crosses(*t, leader(b), 1)))
        };
        // Nor, preferably, cross a point or bar (but its own, which holds
        // the anchor).
        let leader_clear_of_marks = |b: &Boxed, moved: bool| {
            !moved
                || !obstacles.iter().any(|o| {
                    let holds = o.0 <= ax && ax <= o.2 && o.1 <= ay && ay <= o.3;
                    !holds && crosses(*o, leader(b), 0)
                })
        };
        let clear_of_marks = |b: &Boxed| taken.iter().all(|t| !overlaps(*b, *t));
        let clear_of_labels =
            |b: &Boxed| taken[obstacles.len()..].iter().all(|t| !overlaps(*b, *t));
        // The nearest spot meeting every wish; else one giving up, in turn,
        // a leader clear of points and bars, a leader clear of labels, the
        // box clear of the lines, and of points and bars.
        let wishes: [&Wish; 5] = [
            &|b, moved| {
                clear_of_lines(b)
                    && clear_of_marks(b)
                    && clear_of_leaders(b, moved)
                    && leader_clear_of_marks(b, moved)
            },
            &|b, moved| clear_of_lines(b) && clear_of_marks(b) && clear_of_leaders(b, moved),
            &|b, _| clear_of_lines(b) && clear_of_marks(b),
            &|b, _| clear_of_marks(b),
            &|b, _| clear_of_labels(b),
        ];
        let chosen = wishes
            .iter()
            .find_map(|wish| candidates().find(|(b, moved)| inside(b) && wish(b, *moved)))
            .unwrap_or(((right, above, right + w, above + h), false));
        if chosen.1 {
            leaders.push(leader(&chosen.0));
        }
        taken.push(chosen.0);
        placed[i] = Some(chosen);
    }
    placed
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            p.unwrap_or({
                let (ax, ay) = anchors[i];
                ((ax, ay, ax + sizes[i].0, ay + sizes[i].1), false)
            })
        })
        .collect()
}

/// One factor's Sobol indices: first order and total, each with its 95 % CI
/// as (index, low, high).
#[derive(Debug, Clone, PartialEq)]
pub struct SobolBar {
    /// Factor, readable.
    pub factor: String,
    /// First-order index S_i and its 95 % CI.
    pub first: (f64, f64, f64),
    /// Total index S_Ti and its 95 % CI.
    pub total: (f64, f64, f64),
}

/// Sobol indices as paired horizontal bars per factor (first order and
/// total), each with its 95 % bootstrap CI, factors sorted by total index.
#[derive(Debug, Clone, PartialEq)]
pub struct Sobol {
    /// Title.
    pub title: String,
    /// x axis description.
    pub axis: String,
    /// Factors, drawn from the top in the order given (see [`Sobol::sorted`]).
    pub bars: Vec<SobolBar>,
    /// The note under the chart.
    pub note: String,
}

/// Height of a factor's row in points.
const SOBOL_ROW_PT: f64 = 24.0;

impl Sobol {
    /// The chart with its factors sorted by total index, largest first
    /// (undefined last).
    pub fn sorted(mut self) -> Sobol {
        let key = |b: &SobolBar| {
            if b.total.0.is_finite() {
                b.total.0
            } else {
                f64::NEG_INFINITY
            }
        };
        self.bars.sort_by(|a, b| key(b).total_cmp(&key(a)));
        self
    }

    fn range(&self) -> (f64, f64) {
        let all = || {
            self.bars.iter().flat_map(|b| {
                [
                    b.first.0, b.first.1, b.first.2, b.total.0, b.total.1, b.total.2,
                ]
            })
        };
        let lo = all().map(finite).fold(0.0, f64::min);
        let hi = all().map(finite).fold(1.0, f64::max);
        let (lo, hi) = padded(lo, hi);
        (lo.min(0.0), hi)
    }
}

impl Figure for Sobol {
    fn height_pt(&self, width_pt: f64) -> f64 {
        TITLE_PT
            + size::LABEL * 2.0
            + 6.0
            + self.bars.len().max(1) as f64 * SOBOL_ROW_PT
            + X_AXIS_PT
            + note_height_pt(&self.note, width_pt)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let body = framed(area, frame, &self.title, &self.note)?;
        let (legend, plot) = body.split_vertically(frame.px(size::LABEL * 2.0));
        let kinds = [("first-order index", colour(1)), ("total index", colour(2))];
        {
            let (w, h) = legend.dim_in_pixel();
            let total_pt: f64 = kinds
                .iter()
                .map(|(t, _)| Frame::text_width_pt(t, size::LABEL) + 22.0)
                .sum();
            let mut x = (w as i32 - frame.px(total_pt)) / 2;
            let mid = h as i32 / 2;
            for (text, c) in kinds {
                legend
                    .draw(&Rectangle::new(
                        [
                            (x, mid - frame.px(3.5)),
                            (x + frame.px(10.0), mid + frame.px(3.5)),
                        ],
                        c.mix(0.85).filled(),
                    ))
                    .drawn()?;
                legend
                    .draw(&Text::new(
                        text.to_string(),
                        (x + frame.px(13.0), mid),
                        frame
                            .font(size::LABEL, BLACK)
                            .pos(Pos::new(HPos::Left, VPos::Center)),
                    ))
                    .drawn()?;
                x += frame.px(Frame::text_width_pt(text, size::LABEL) + 22.0);
            }
        }
        let (x0, x1) = self.range();
        let n = self.bars.len().max(1) as f64;
        let width_pt = f64::from(frame.width) / frame.px_per_pt;
        let factors = || self.bars.iter().map(|b| b.factor.clone());
        let font_pt = fit_pt(factors(), width_pt * 0.4, size::LABEL);
        let label_pt = widest_pt(factors(), font_pt) + 8.0;
        let (ticks, dec) = nice_ticks(x0, x1, tick_count(width_pt - label_pt - 14.0));
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(frame.px(6.0))
            .margin_left(frame.px(2.0))
            .margin_right(frame.px(12.0))
            .x_label_area_size(frame.px(X_AXIS_PT))
            .y_label_area_size(frame.px(label_pt))
            .build_cartesian_2d(Ticked::new(x0, x1, ticks), 0.0..n)
            .drawn()?;
        row_axes(&mut chart, frame, &self.axis, dec, n, true)?;
        let base = plot.get_base_pixel();
        for (i, b) in self.bars.iter().enumerate() {
            let row = n - 1.0 - i as f64;
            for (j, (v, l, h)) in [b.first, b.total].into_iter().enumerate() {
                // First order above, total below.
                let (y0, y1) = (row + 0.52 - 0.4 * j as f64, row + 0.86 - 0.4 * j as f64);
                let c = kinds[j].1;
                if v.is_finite() {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(0.0, y0), (v, y1)],
                            c.mix(0.85).filled(),
                        )))
                        .drawn()?;
                }
                if l.is_finite() && h.is_finite() {
                    let mid = (y0 + y1) / 2.0;
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(l, mid), (h, mid)],
                            BLACK.stroke_width(frame.upx(0.9)),
                        )))
                        .drawn()?;
                }
            }
            let left = chart.backend_coord(&(x0, row + 0.5));
            plot.draw(&Text::new(
                b.factor.clone(),
                (left.0 - base.0 - frame.px(4.0), left.1 - base.1),
                frame
                    .font(font_pt, BLACK)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .drawn()?;
        }
        Ok(())
    }
}

/// A calibration's posterior: weighted particles in their prior box.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairs {
    /// Title.
    pub title: String,
    /// Parameters, readable.
    pub names: Vec<String>,
    /// Prior range of each parameter.
    pub ranges: Vec<(f64, f64)>,
    /// Posterior median of each parameter (a dashed line on the diagonal).
    pub medians: Vec<f64>,
    /// Particles (one value per parameter each).
    pub theta: Vec<Vec<f64>>,
    /// Their weights.
    pub weights: Vec<f64>,
    /// The note under the chart.
    pub note: String,
}

/// Bins of a diagonal histogram.
const BINS: usize = 20;

impl Pairs {
    /// Width in points of the y axis of the first column.
    fn y_axis_pt(&self) -> f64 {
        let ticks = (0..self.names.len()).flat_map(|j| {
            let (lo, hi) = self.span(j);
            let (t, d) = two_or_more_ticks(lo, hi, 3);
            t.into_iter().map(move |x| tick_label(x, d))
        });
        y_axis_pt(widest_pt(ticks, size::TICK))
    }

    /// Width of a cell in points (cells are 0.8 times as high).
    fn cell_pt(&self, width_pt: f64) -> f64 {
        let k = self.names.len().max(1) as f64;
        ((width_pt - self.y_axis_pt() - 8.0) / k).max(30.0)
    }

    fn span(&self, j: usize) -> (f64, f64) {
        let (l, h) = self.ranges.get(j).copied().unwrap_or((0.0, 1.0));
        if h > l { (l, h) } else { (l - 0.5, l + 0.5) }
    }

    /// The weighted correlation of parameters `a` and `b`.
    fn correlation(&self, a: usize, b: usize) -> Option<f64> {
        let total: f64 = self.weights.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let mean = |j: usize| {
            self.theta
                .iter()
                .zip(&self.weights)
                .map(|(t, w)| t[j] * w)
                .sum::<f64>()
                / total
        };
        let (ma, mb) = (mean(a), mean(b));
        let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
        for (t, w) in self.theta.iter().zip(&self.weights) {
            let (da, db) = (t[a] - ma, t[b] - mb);
            sab += w * da * db;
            saa += w * da * da;
            sbb += w * db * db;
        }
        let r = sab / (saa * sbb).sqrt();
        r.is_finite().then_some(r)
    }
}

impl Figure for Pairs {
    fn height_pt(&self, width_pt: f64) -> f64 {
        let k = self.names.len().max(1) as f64;
        TITLE_PT
            + 4.0
            + k * self.cell_pt(width_pt) * 0.8
            + X_AXIS_PT
            + note_height_pt(&self.note, width_pt)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        frame: &Frame,
    ) -> Result<(), String> {
        let k = self.names.len();
        if k == 0 || self.theta.is_empty() || self.theta.iter().any(|t| t.len() != k) {
            return Err("no particles to draw".into());
        }
        let body = framed(area, frame, &self.title, &self.note)?;
        let body = body.margin(frame.px(4.0), 0, 0, frame.px(8.0));
        let (w, h) = body.dim_in_pixel();
        let y_axis = frame.px(self.y_axis_pt());
        let x_axis = frame.px(X_AXIS_PT);
        let cell_w = (w as i32 - y_axis) / k as i32;
        let cell_h = (h as i32 - x_axis) / k as i32;
        let xs: Vec<i32> = (1..k).map(|c| y_axis + c as i32 * cell_w).collect();
        let ys: Vec<i32> = (1..k).map(|r| r as i32 * cell_h).collect();
        let cells = body.split_by_breakpoints(xs, ys);
        let max_w = self.weights.iter().copied().fold(0.0, f64::max).max(1e-12);
        let cell_pt = f64::from(cell_w.max(1)) / frame.px_per_pt;
        let cell_h_pt = f64::from(cell_h.max(1)) / frame.px_per_pt;
        // A parameter's name and its size to fit `room_pt` (under the cell
        // for x, along it for the rotated y): below 6 pt the
        // section in brackets is dropped ("needs per member month"), and
        // nothing is set below 5 pt.
        let fitted = |name: &str, room_pt: f64| -> (String, f64) {
            let fit = |text: &str| {
                let per_pt = Frame::text_width_pt(text, 1.0).max(1.0);
                (room_pt * 0.95 / per_pt).min(size::LABEL)
            };
            let full = fit(name);
            match name.split_once(" (") {
                Some((short, _)) if full < 6.0 => (short.to_string(), fit(short).max(5.0)),
                _ => (name.to_string(), full.max(5.0)),
            }
        };
        // Every name at one size: the smallest any of them needs.
        let x_fit: Vec<(String, f64)> = self.names.iter().map(|n| fitted(n, cell_pt)).collect();
        let y_fit: Vec<(String, f64)> = self.names.iter().map(|n| fitted(n, cell_h_pt)).collect();
        let name_pt = x_fit
            .iter()
            .chain(&y_fit)
            .map(|(_, pt)| *pt)
            .fold(size::LABEL, f64::min);
        let ink = colour(1);
        let tick_pt = (0..k)
            .map(|j| {
                let (lo, hi) = self.span(j);
                let (t, d) = two_or_more_ticks(lo, hi, 3);
                widest_pt(t.into_iter().map(|x| tick_label(x, d)), size::TICK)
            })
            .fold(0.0, f64::max);
        for (c, cell) in cells.iter().enumerate() {
            let (row, col) = (c / k, c % k);
            let (x0, x1) = self.span(col);
            let bottom = row == k - 1;
            let left = col == 0;
            // Room between cells for the end ticks' labels of neighbours.
            let gap = frame.px(5.0);
            let side = frame.px(tick_pt / 2.0 + 3.0);
            let axis_pt = cell_pt - 2.0 * (tick_pt / 2.0 + 3.0);
            let (xt, xd) = fitting_ticks(x0, x1, axis_pt, 3);
            let x_area = if bottom { x_axis } else { 0 };
            let y_area = if left { y_axis } else { 0 };
            if col > row {
                // Upper triangle: the weighted correlation of the pair.
                if let Some(r) = self.correlation(row, col) {
                    let (cw, ch) = cell.dim_in_pixel();
                    cell.draw(&Text::new(
                        format!("r = {}", tick_label(r, 2)),
                        (cw as i32 / 2, ch as i32 / 2),
                        frame
                            .font(size::LABEL, GREY)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    ))
                    .drawn()?;
                }
                continue;
            }
            let (x_name, x_pt) = if bottom {
                (x_fit[col].0.clone(), name_pt)
            } else {
                (String::new(), size::LABEL)
            };
            if row == col {
                let mut bins = [0.0; BINS];
                for (t, w) in self.theta.iter().zip(&self.weights) {
                    let b = ((t[col] - x0) / (x1 - x0) * BINS as f64).floor();
                    bins[(b.max(0.0) as usize).min(BINS - 1)] += w;
                }
                let top = bins.iter().copied().fold(0.0, f64::max).max(1e-12) * 1.1;
                let mut chart = ChartBuilder::on(cell)
                    .margin_top(gap)
                    .margin_bottom(gap)
                    .margin_left(side)
                    .margin_right(side)
                    .x_label_area_size(x_area)
                    .y_label_area_size(y_area)
                    .build_cartesian_2d(Ticked::new(x0, x1, xt), 0.0..top)
                    .drawn()?;
                chart
                    .configure_mesh()
                    .disable_mesh()
                    .axis_style(GREY.stroke_width(frame.upx(0.6)))
                    .y_labels(0)
                    .x_desc(&x_name)
                    .x_label_formatter(&|x| tick_label(*x, xd))
                    .label_style(frame.font(size::TICK, BLACK))
                    .axis_desc_style(frame.font(x_pt, BLACK))
                    .set_all_tick_mark_size(frame.px(2.0))
                    .draw()
                    .drawn()?;
                let width = (x1 - x0) / BINS as f64;
                chart
                    .draw_series(bins.iter().enumerate().map(|(b, v)| {
                        let l = x0 + b as f64 * width;
                        Rectangle::new([(l, 0.0), (l + width, *v)], ink.mix(0.75).filled())
                    }))
                    .drawn()?;
                if let Some(m) = self.medians.get(col).filter(|m| m.is_finite()) {
                    let base = cell.get_base_pixel();
                    let a = chart.backend_coord(&(*m, top));
                    let b = chart.backend_coord(&(*m, 0.0));
                    dashed_vertical(
                        cell,
                        frame,
                        a.0 - base.0,
                        (a.1 - base.1, b.1 - base.1),
                        BLACK,
                    )?;
                }
            } else {
                let (y0, y1) = self.span(row);
                let (yt, yd) = two_or_more_ticks(y0, y1, 3);
                let (y_name, y_pt) = if left {
                    (y_fit[row].0.clone(), name_pt)
                } else {
                    (String::new(), size::LABEL)
                };
                let mut chart = ChartBuilder::on(cell)
                    .margin_top(gap)
                    .margin_bottom(gap)
                    .margin_left(side)
                    .margin_right(side)
                    .x_label_area_size(x_area)
                    .y_label_area_size(y_area)
                    .build_cartesian_2d(Ticked::new(x0, x1, xt), Ticked::new(y0, y1, yt))
                    .drawn()?;
                house_mesh(&mut chart, frame)
                    .x_desc(&x_name)
                    .y_desc(&y_name)
                    .x_label_formatter(&|x| tick_label(*x, xd))
                    .y_label_formatter(&|y| tick_label(*y, yd))
                    .axis_desc_style(frame.font(x_pt.min(y_pt), BLACK))
                    .draw()
                    .drawn()?;
                chart
                    .draw_series(self.theta.iter().zip(&self.weights).map(|(t, w)| {
                        let r = frame.px(0.8 + 2.2 * (w / max_w).sqrt());
                        Circle::new((t[col], t[row]), r, ink.mix(0.45).filled())
                    }))
                    .drawn()?;
            }
        }
        Ok(())
    }
}

figure_enum! {
/// Any chart of a sensitivity analysis or a calibration.
#[derive(Debug, Clone, PartialEq)]
pub enum MethodFigure {
    /// A Morris screening.
    Morris(Morris),
    /// Sobol indices.
    Sobol(Sobol),
    /// A calibration's posterior.
    Pairs(Pairs),
}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sobol_factors_sort_by_total_index() {
        let bar = |f: &str, t: f64| SobolBar {
            factor: f.into(),
            first: (0.1, 0.0, 0.2),
            total: (t, t - 0.1, t + 0.1),
        };
        let s = Sobol {
            title: String::new(),
            axis: String::new(),
            bars: vec![bar("a", 0.2), bar("b", f64::NAN), bar("c", 0.7)],
            note: String::new(),
        }
        .sorted();
        let order: Vec<&str> = s.bars.iter().map(|b| b.factor.as_str()).collect();
        assert_eq!(order, ["c", "a", "b"]);
    }

    #[test]
    fn labels_find_free_spots_clear_of_each_other() {
        // Three points on top of one another, and a marker right above them.
        let anchors = [(100, 100), (101, 100), (100, 101)];
        let sizes = [(60, 10); 3];
        let obstacles = [(95, 80, 200, 95)];
        let placed = place_labels(
            &[0, 1, 2],
            &anchors,
            &sizes,
            (3, 1),
            (0, 0, 400, 300),
            &obstacles,
            &[],
        );
        for (i, (a, _)) in placed.iter().enumerate() {
            assert!(!overlaps(*a, obstacles[0]), "{placed:?}");
            assert!(a.0 >= 0 && a.2 <= 400 && a.1 >= 0 && a.3 <= 300);
            for b in &placed[i + 1..] {
                assert!(!overlaps(*a, b.0), "{placed:?}");
            }
        }
        // Right below its point (the obstacle is above), the next left of
        // its point, the third moved away with a leader: not a line further
        // down, where its leader would graze the first label, nor above the
        // marker, which its leader would cross, but two lines down.
        assert_eq!(placed[0], ((103, 101, 163, 111), false));
        assert_eq!(placed[1], ((38, 101, 98, 111), false));
        assert_eq!(placed[2], ((103, 124, 163, 134), true));
        let (a, b) = ((100, 101), (103, 124));
        assert!(!crosses(placed[0].0, (a, b), 1) && !crosses(placed[1].0, (a, b), 1));
    }

    #[test]
    fn labels_keep_off_the_dashed_line_and_the_bars() {
        // A point on the diagonal σ = μ*, with another factor's bar just
        // above it (as "mandated formal" over "skill decay").
        let anchors = [(200, 200)];
        let sizes = [(80, 10)];
        let diagonal: Segment = ((0, 400), (400, 0));
        let bar = (150, 183, 260, 187);
        let placed = place_labels(
            &[0],
            &anchors,
            &sizes,
            (3, 1),
            (0, 0, 400, 400),
            &[bar],
            &[(diagonal, 1)],
        );
        let (b, _) = placed[0];
        assert!(!crosses(b, diagonal, 1), "{b:?}");
        assert!(!overlaps(b, bar), "{b:?}");
        // Beside its point still: right below, under the line.
        assert_eq!(placed[0], ((203, 201, 283, 211), false));
    }

    #[test]
    fn factors_without_any_effect_are_named_in_the_note() {
        let point = |f: &str, m: f64| MorrisPoint {
            factor: f.into(),
            mu_star: m,
            ci: (m, m),
            sigma: m / 2.0,
        };
        let morris = |points| Morris {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            points,
            note: "points: μ*".into(),
        };
        let m = morris(vec![point("a", 0.2), point("b", 0.0), point("c", 0.0)]);
        assert_eq!(
            m.full_note(),
            "points: μ*; at the origin, without any effect: b, c"
        );
        assert_eq!(morris(vec![point("a", 0.2)]).full_note(), "points: μ*");
    }

    #[test]
    fn segments_cross_boxes_they_pass_through() {
        let b = (10, 10, 20, 20);
        assert!(crosses(b, ((0, 0), (30, 30)), 0));
        assert!(!crosses(b, ((0, 30), (5, 25)), 0));
        // Near the corner: clear, unless the box keeps a margin.
        assert!(!crosses(b, ((0, 15), (15, 0)), 0));
        assert!(crosses(b, ((0, 15), (15, 0)), 3));
        assert!(crosses(b, ((15, 0), (15, 40)), 0), "vertical");
    }

    #[test]
    fn overlapping_bars_at_nearly_one_height_are_drawn_apart() {
        // "passed over" and "records check": σ 2 px apart, intervals
        // overlapping; a third bar at the same height but elsewhere along
        // μ* stays where it is.
        let ys = [100, 102, 101];
        let spans = [(10, 80), (40, 90), (200, 260)];
        let out = dodge(&ys, &spans, 14, 9);
        assert!((out[0] - out[1]).abs() >= 14, "{out:?}");
        assert!(out[0] < out[1], "order kept: {out:?}");
        assert!((out[0] - 100).abs() <= 9 && (out[1] - 102).abs() <= 9);
        assert_eq!(out[2], 101);
        // Far enough apart already: unchanged.
        assert_eq!(dodge(&[100, 130], &spans[..2], 14, 9), vec![100, 130]);
        // Many at once stay within their points, in order.
        let out = dodge(&[100; 5], &[(0, 50); 5], 14, 9);
        assert!(out.windows(2).all(|w| w[0] < w[1]), "{out:?}");
        assert!(out.iter().all(|y| (y - 100).abs() <= 9), "{out:?}");
    }

    #[test]
    fn posterior_correlation_is_weighted() {
        let p = Pairs {
            title: String::new(),
            names: vec!["a".into(), "b".into()],
            ranges: vec![(0.0, 1.0), (0.0, 1.0)],
            medians: vec![0.5, 0.5],
            theta: vec![vec![0.0, 0.0], vec![1.0, 1.0], vec![0.0, 1.0]],
            weights: vec![0.5, 0.5, 0.0],
            note: String::new(),
        };
        assert!((p.correlation(0, 1).unwrap() - 1.0).abs() < 1e-12);
    }
}
