//! Monthly metrics (`docs/model.md` §7.8): what researchers measure.
//!
//! Villages fill a [`Tally`] each month in parallel; the engine merges the
//! tallies in village order (so sums do not depend on thread count) and turns
//! the county tally into one row of [`METRICS`].

/// Bins of the satisfaction, trust and motivation histograms of a
/// [`Tally`] (quartiles use them; [`Distributions`] sums them to
/// [`DIST_BINS`]).
pub const BINS: usize = 100;

/// A histogram over [0, 1] in [`BINS`] equal bins.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram(pub [u32; BINS]);

impl Default for Histogram {
    fn default() -> Self {
        Histogram([0; BINS])
    }
}

impl Histogram {
    /// Count one value (clamped to [0, 1]).
    pub fn record(&mut self, x: f32) {
        self.0[bin(x)] += 1;
    }

    /// Quantile `q`, interpolated within the bin ([`histogram_quantile`]).
    pub fn quantile(&self, q: f64) -> f64 {
        histogram_quantile(&self.0, q)
    }
}

/// Adding one village's count into the county's, field by field.
pub trait Accumulate {
    /// `self += other`.
    fn accumulate(&mut self, other: &Self);
}

impl Accumulate for u64 {
    fn accumulate(&mut self, other: &Self) {
        *self += other;
    }
}

impl Accumulate for f64 {
    fn accumulate(&mut self, other: &Self) {
        *self += other;
    }
}

impl Accumulate for Histogram {
    fn accumulate(&mut self, other: &Self) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += b;
        }
    }
}

/// Declares the [`Tally`]: each field once, with its meaning; `Default` and
/// [`Tally::add`] follow from the list.
macro_rules! tally {
    ($( #[doc = $doc:literal] $field:ident : $ty:ty, )*) => {
        /// Counts and sums of one month, for one village or the whole county.
        /// Rules add to it as they act; [`Tally::observe`] adds the
        /// end-of-month state; [`METRICS`] turn it into the month's row.
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct Tally {
            $( #[doc = $doc] pub $field: $ty, )*
        }

        impl Tally {
            /// Add another tally (the engine does so in village order, so
            /// sums do not depend on the thread count).
            pub fn add(&mut self, other: &Tally) {
                $( self.$field.accumulate(&other.$field); )*
            }
        }
    };
}

tally! {
    /// Households.
    households: u64,
    /// Households with a contact member.
    covered: u64,
    /// New needs.
    needs_arrived: u64,
    /// Open needs when service began (backlog plus new).
    open_before_service: u64,
    /// Needs resolved.
    needs_resolved: u64,
    /// Needs given up.
    needs_abandoned: u64,
    /// Open needs at the end of the month.
    backlog: u64,
    /// Σ member capacity (needs per month).
    capacity: f64,
    /// Σ satisfaction.
    satisfaction: f64,
    /// Σ trust.
    trust: f64,
    /// Histogram of satisfaction.
    satisfaction_hist: Histogram,
    /// Histogram of trust.
    trust_hist: Histogram,
    /// Histogram of the motivation θ of active members.
    motivation_hist: Histogram,
    /// Active members.
    active_members: u64,
    /// Σ real effort share of active members.
    real_effort: f64,
    /// Σ formal effort share.
    formal_effort: f64,
    /// Σ private effort share.
    private_effort: f64,
    /// Σ motivation of active members.
    motivation: f64,
    /// Σ lasting disposition θ̂ of active members.
    disposition: f64,
    /// Σ skill of active members.
    skill: f64,
    /// Designated models among active members.
    models: u64,
    /// Active members holding an exemplary practice (§7.7).
    adopters: u64,
    /// Rewards issued.
    rewards: u64,
    /// Sanctions issued.
    sanctions: u64,
    /// Inspections made.
    inspections: u64,
    /// Reports by households.
    reports: u64,
    /// Cost, thousand yuan.
    cost: f64,
    /// Members who migrated this month.
    migrations: u64,
    /// Trainings given.
    trainings: u64,
    /// Secretaries promoted.
    promotions: u64,
    /// New secretaries.
    secretary_turnover: u64,
    /// Members away as migrants.
    migrated_members: u64,
    /// Members of the branches, present or not.
    members: u64,
    /// Members in difficulty.
    inactive_members: u64,
    /// Left-behind households.
    left_behind: u64,
    /// Σ household expectation.
    expectation: f64,
    /// Villages.
    villages: u64,
    /// Σ market development.
    market: f64,
    /// Σ branch leadership multiplier.
    leadership: f64,
    /// Branches that have innovated.
    innovated: u64,
    /// Σ branch fund balance.
    funds: f64,
    /// Service funds diverted, thousand yuan.
    diverted: f64,
    /// Villages joined with a partner.
    joined: u64,
    /// Branches with an active secretary.
    secretaries: u64,
    /// Σ mass evaluation S̄ of secretaries.
    secretary_evaluation: f64,
    /// Σ leadership talent ℓ of secretaries.
    secretary_talent: f64,
}

/// A village's tally.
pub type VillageTally = Tally;
/// The county's tally.
pub type CountyTally = Tally;

/// The bin of x in [0, 1]: ⌊x·BINS⌋, at most BINS − 1; values below 0 (and
/// NaN) fall in the first bin, values above 1 in the last. (The saturating
/// cast does the clamping: the same bins as clamping x to [0, 1] first.)
fn bin(x: f32) -> usize {
    ((x * BINS as f32) as u32).min(BINS as u32 - 1) as usize
}

impl Tally {
    /// Record the end-of-month state of a village.
    pub fn observe(&mut self, v: &crate::model::Village) {
        for h in &v.households {
            self.households += 1;
            self.covered += u64::from(h.is_covered());
            self.backlog += u64::from(h.open_total());
            self.satisfaction += f64::from(h.satisfaction);
            self.trust += f64::from(h.trust);
            self.satisfaction_hist.record(h.satisfaction);
            self.trust_hist.record(h.trust);
            self.left_behind += u64::from(h.kind == crate::model::HouseholdType::LeftBehind);
        }
        // Every household of the village has its expectation E: n·E. On the
        // village's month tally, which starts at 0 (`engine::step_village`),
        // this is the sum of adding E household by household, to the bit:
        // n·E and every partial sum k·E are exact in f64 (E has 24
        // significant bits, n ≤ 60 000 < 2¹⁶ households, §5).
        self.expectation += f64::from(v.expectation) * v.households.len() as f64;
        self.members += v.members.len() as u64;
        for m in &v.members {
            self.migrated_members += u64::from(m.status == crate::model::MemberStatus::Migrated);
            self.inactive_members += u64::from(m.status == crate::model::MemberStatus::Inactive);
        }
        self.villages += 1;
        self.market += f64::from(v.market);
        self.leadership += f64::from(v.branch.leadership);
        self.innovated += u64::from(v.branch.innovated);
        self.funds += v.branch.funds;
        self.joined += u64::from(v.branch.joined);
        if let Some(secretary) = v.secretary() {
            self.secretaries += 1;
            self.secretary_evaluation += f64::from(secretary.contact_satisfaction);
            self.secretary_talent += f64::from(secretary.leadership);
        }
        for m in v.members.iter().filter(|m| m.is_active()) {
            self.active_members += 1;
            self.real_effort += f64::from(m.effort.real);
            self.formal_effort += f64::from(m.effort.formal);
            self.private_effort += f64::from(m.effort.private);
            self.motivation += f64::from(m.motivation);
            self.motivation_hist.record(m.motivation);
            self.disposition += f64::from(m.disposition);
            self.skill += f64::from(m.skill);
            self.models += u64::from(m.is_model);
            self.adopters += u64::from(m.adopted());
        }
    }
}

/// Quantile `q` of a histogram over [0, 1], interpolated within the bin.
pub fn histogram_quantile(hist: &[u32; BINS], q: f64) -> f64 {
    let total: u64 = hist.iter().map(|&c| u64::from(c)).sum();
    if total == 0 {
        return 0.0;
    }
    let target = q * total as f64;
    let mut cum = 0.0;
    for (b, &c) in hist.iter().enumerate() {
        let c = f64::from(c);
        if c > 0.0 && cum + c >= target {
            let within = ((target - cum) / c).clamp(0.0, 1.0);
            return (b as f64 + within) / BINS as f64;
        }
        cum += c;
    }
    1.0
}

/// Bins of a recorded [`Distributions`]: 20 of width 0.05 over [0, 1], each
/// the sum of [`BINS`] / 20 bins of a [`Tally`]'s histograms.
pub const DIST_BINS: usize = 20;

/// Fine bins of a [`Tally`] histogram in one bin of a [`Distributions`].
const FINE_PER_BIN: usize = BINS / DIST_BINS;
const _: () = assert!(BINS.is_multiple_of(DIST_BINS));

/// Whose values a recorded distribution counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// One value per household.
    Households,
    /// One value per active member.
    Members,
    /// One value per village: the village's mean.
    Villages,
}

impl Level {
    /// The name in `distributions.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Households => "households",
            Level::Members => "members",
            Level::Villages => "villages",
        }
    }
}

/// What a recorded distribution measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// Household satisfaction with the branch.
    Satisfaction,
    /// Household trust in the branch.
    Trust,
    /// Intrinsic motivation θ of active members.
    Motivation,
}

impl Quantity {
    /// The name in `distributions.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Quantity::Satisfaction => "satisfaction",
            Quantity::Trust => "trust",
            Quantity::Motivation => "motivation",
        }
    }
}

/// The distributions recorded at the final month, in the order of
/// [`Distributions::counts`].
pub const DISTRIBUTIONS: [(Level, Quantity); 6] = [
    (Level::Households, Quantity::Satisfaction),
    (Level::Households, Quantity::Trust),
    (Level::Members, Quantity::Motivation),
    (Level::Villages, Quantity::Satisfaction),
    (Level::Villages, Quantity::Trust),
    (Level::Villages, Quantity::Motivation),
];

/// Distributions of satisfaction, trust and motivation in one month (a
/// replicate's final month), or several such summed (pooled over
/// replicates): counts in [`DIST_BINS`] bins of width 0.05 over [0, 1],
/// bin k holding values in [k/20, (k+1)/20) (the last bin includes 1).
///
/// Households count each household's satisfaction and trust, members each
/// active member's motivation; villages count each village's mean
/// satisfaction and trust over its households and mean motivation over its
/// active members (villages without an active member have no mean
/// motivation and are not counted in it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Distributions {
    /// Counts per bin of each of [`DISTRIBUTIONS`], in that order.
    pub counts: [[u64; DIST_BINS]; DISTRIBUTIONS.len()],
}

/// Bin of a value in [0, 1] (clamped) among [`DIST_BINS`]: the fine bin of
/// a [`Histogram`], summed by [`FINE_PER_BIN`].
fn dist_bin(x: f64) -> usize {
    ((x.clamp(0.0, 1.0) * BINS as f64) as usize).min(BINS - 1) / FINE_PER_BIN
}

impl Distributions {
    /// The distributions of one month from its village tallies (each
    /// filled by [`Tally::observe`]).
    pub fn of_villages(tallies: &[Tally]) -> Distributions {
        let mut d = Distributions::default();
        let coarse = |into: &mut [u64; DIST_BINS], hist: &Histogram| {
            for (k, &c) in hist.0.iter().enumerate() {
                into[k / FINE_PER_BIN] += u64::from(c);
            }
        };
        for t in tallies {
            for (i, (level, quantity)) in DISTRIBUTIONS.iter().enumerate() {
                let into = &mut d.counts[i];
                match (level, quantity) {
                    (Level::Villages, q) => {
                        let (sum, n) = match q {
                            Quantity::Satisfaction => (t.satisfaction, t.households),
                            Quantity::Trust => (t.trust, t.households),
                            Quantity::Motivation => (t.motivation, t.active_members),
                        };
                        if n > 0 {
                            into[dist_bin(sum / n as f64)] += 1;
                        }
                    }
                    (_, Quantity::Satisfaction) => coarse(into, &t.satisfaction_hist),
                    (_, Quantity::Trust) => coarse(into, &t.trust_hist),
                    (_, Quantity::Motivation) => coarse(into, &t.motivation_hist),
                }
            }
        }
        d
    }

    /// Add another's counts (pooling replicates).
    pub fn add(&mut self, other: &Distributions) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }

    /// The counts of `level` and `quantity`, if recorded.
    pub fn of(&self, level: Level, quantity: Quantity) -> Option<&[u64; DIST_BINS]> {
        DISTRIBUTIONS
            .iter()
            .position(|&d| d == (level, quantity))
            .map(|i| &self.counts[i])
    }
}

/// Lower and upper edge of bin `k` of a [`Distributions`]: k/20 and
/// (k+1)/20, each the double nearest the decimal (0.05, not
/// 0.05000000000000001).
pub fn dist_bin_edges(k: usize) -> (f64, f64) {
    let n = DIST_BINS as f64;
    (k as f64 / n, (k + 1) as f64 / n)
}

/// Which way a metric should move for a policy to count as better
/// (`compare`'s robustness counts; `docs/model.md` §7.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Larger is better.
    Higher,
    /// Smaller is better.
    Lower,
    /// Neither: a count or level that describes rather than judges.
    Neither,
}

impl Better {
    /// `Some(true)` if larger is better, `Some(false)` if smaller, `None` if neutral.
    pub fn larger(self) -> Option<bool> {
        match self {
            Better::Higher => Some(true),
            Better::Lower => Some(false),
            Better::Neither => None,
        }
    }

    /// The word used in the metric table.
    pub fn word(self) -> &'static str {
        match self {
            Better::Higher => "higher",
            Better::Lower => "lower",
            Better::Neither => "—",
        }
    }
}

/// Where a metric is shown by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Charted after every `run` (`charts/NAME.png`, `.svg`).
    Charted,
    /// Compared when `[compare] outcomes` is not given, and listed in reports.
    Outcome,
    /// Printed in `run`'s terminal summary.
    Summary,
    /// Listed in `run`'s report.md (month 0 and the final month).
    Report,
}

const CHARTED: u8 = 1;
const OUTCOME: u8 = 2;
const SUMMARY: u8 = 4;
const REPORT: u8 = 8;

/// Figures the engine carries across months rather than tallies.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct County {
    /// Mean branch assessment score at the last assessment (§7.4).
    pub assessment_score: f64,
}

/// One output metric: its name, meaning, unit, direction, where it is shown,
/// and how it is computed from the month's tally. Declared once in [`METRICS`].
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// Column name in every CSV.
    pub name: &'static str,
    /// Unit of the value.
    pub unit: &'static str,
    /// Which direction is better.
    pub better: Better,
    /// Definition (README and `docs/model.md` §7.8).
    pub meaning: &'static str,
    /// Rank among the headline metrics (1 first); 0 if not a headline.
    rank: u8,
    /// Bits of [`Role`]s.
    roles: u8,
    /// The value for the month.
    pub value: fn(&Tally, &County) -> f64,
}

impl Metric {
    const fn new(
        name: &'static str,
        unit: &'static str,
        better: Better,
        meaning: &'static str,
        value: fn(&Tally, &County) -> f64,
    ) -> Metric {
        Metric {
            name,
            unit,
            better,
            meaning,
            rank: 0,
            roles: 0,
            value,
        }
    }

    /// A headline metric: shown in the `roles` (bits), in order of `rank`.
    const fn headline(mut self, rank: u8, roles: u8) -> Metric {
        self.rank = rank;
        self.roles = roles;
        self
    }

    /// Whether the metric plays `role`.
    pub fn has(&self, role: Role) -> bool {
        let bit = match role {
            Role::Charted => CHARTED,
            Role::Outcome => OUTCOME,
            Role::Summary => SUMMARY,
            Role::Report => REPORT,
        };
        self.roles & bit != 0
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// Mean of a sum over households.
fn per_household(sum: f64, t: &Tally) -> f64 {
    ratio(sum, t.households as f64)
}

/// Mean of a sum over active members.
fn per_member(sum: f64, t: &Tally) -> f64 {
    ratio(sum, t.active_members as f64)
}

/// Mean of a sum over villages.
fn per_village(sum: f64, t: &Tally) -> f64 {
    ratio(sum, t.villages as f64)
}

use Better::{Higher, Lower, Neither};

/// The metrics written per month, in column order.
pub const METRICS: &[Metric] = &[
    Metric::new(
        "service_capacity",
        "needs/month",
        Higher,
        "Σ member capacity κ·Π·s·√(e_R·(1 − t_i − t_M)): needs the branches could resolve per month if demand were unlimited",
        |t, _| t.capacity,
    )
    .headline(7, SUMMARY | REPORT),
    Metric::new(
        "realised_service",
        "needs/household/month",
        Higher,
        "Needs resolved per household and month: the service households actually received (bounded by their demand)",
        |t, _| per_household(t.needs_resolved as f64, t),
    )
    .headline(1, CHARTED | OUTCOME | SUMMARY | REPORT),
    Metric::new("needs_arrived", "needs/month", Neither, "New needs this month", |t, _| {
        t.needs_arrived as f64
    }),
    Metric::new("needs_resolved", "needs/month", Higher, "Needs resolved this month", |t, _| {
        t.needs_resolved as f64
    }),
    Metric::new("needs_abandoned", "needs/month", Lower, "Needs given up this month", |t, _| {
        t.needs_abandoned as f64
    }),
    Metric::new("backlog", "needs", Lower, "Open needs at the end of the month", |t, _| {
        t.backlog as f64
    })
    .headline(8, OUTCOME | REPORT),
    Metric::new(
        "share_met",
        "share",
        Higher,
        "Share of needs closed this month that were resolved: resolved / (resolved + abandoned)",
        |t, _| {
            ratio(
                t.needs_resolved as f64,
                (t.needs_resolved + t.needs_abandoned) as f64,
            )
        },
    )
    .headline(2, CHARTED | OUTCOME | SUMMARY | REPORT),
    Metric::new(
        "response_time",
        "months",
        Lower,
        "Mean months a need stays open, by Little's law: backlog / needs closed (resolved + given up; at least 1, so the backlog itself in a month when none closes)",
        |t, _| {
            ratio(
                t.backlog as f64,
                (t.needs_resolved + t.needs_abandoned).max(1) as f64,
            )
        },
    ),
    Metric::new("satisfaction_mean", "0–1", Higher, "Mean household satisfaction", |t, _| {
        per_household(t.satisfaction, t)
    })
    .headline(3, CHARTED | OUTCOME | SUMMARY | REPORT),
    Metric::new("satisfaction_p25", "0–1", Higher, "Lower quartile of satisfaction", |t, _| {
        t.satisfaction_hist.quantile(0.25)
    }),
    Metric::new("satisfaction_median", "0–1", Higher, "Median satisfaction", |t, _| {
        t.satisfaction_hist.quantile(0.5)
    }),
    Metric::new("satisfaction_p75", "0–1", Higher, "Upper quartile of satisfaction", |t, _| {
        t.satisfaction_hist.quantile(0.75)
    }),
    Metric::new("trust_mean", "0–1", Higher, "Mean household trust", |t, _| {
        per_household(t.trust, t)
    })
    .headline(4, OUTCOME | SUMMARY | REPORT),
    Metric::new("trust_p25", "0–1", Higher, "Lower quartile of trust", |t, _| {
        t.trust_hist.quantile(0.25)
    }),
    Metric::new("trust_median", "0–1", Higher, "Median trust", |t, _| {
        t.trust_hist.quantile(0.5)
    }),
    Metric::new("trust_p75", "0–1", Higher, "Upper quartile of trust", |t, _| {
        t.trust_hist.quantile(0.75)
    }),
    Metric::new(
        "coverage",
        "share",
        Higher,
        "Share of households with a contact member",
        |t, _| per_household(t.covered as f64, t),
    )
    .headline(5, OUTCOME | SUMMARY | REPORT),
    Metric::new(
        "formalism_index",
        "share",
        Lower,
        "Formal share of public effort: Σe_F / Σ(e_R + e_F) over active members",
        |t, _| ratio(t.formal_effort, t.formal_effort + t.real_effort),
    )
    .headline(6, CHARTED | OUTCOME | SUMMARY | REPORT),
    Metric::new(
        "real_effort",
        "share of time",
        Higher,
        "Mean real-service share e_R of active members",
        |t, _| per_member(t.real_effort, t),
    ),
    Metric::new(
        "private_effort",
        "share of time",
        Lower,
        "Mean private-work share e_P of active members",
        |t, _| per_member(t.private_effort, t),
    ),
    Metric::new(
        "motivation_mean",
        "0–1",
        Higher,
        "Mean intrinsic motivation θ of active members",
        |t, _| per_member(t.motivation, t),
    ),
    Metric::new(
        "disposition_mean",
        "0–1",
        Higher,
        "Mean lasting disposition θ̂ of active members (toward which θ fades)",
        |t, _| per_member(t.disposition, t),
    ),
    Metric::new("skill_mean", "0–1", Higher, "Mean skill s of active members", |t, _| {
        per_member(t.skill, t)
    }),
    Metric::new("active_members", "members", Higher, "Members present and serving", |t, _| {
        t.active_members as f64
    })
    .headline(10, REPORT),
    Metric::new("models", "members", Neither, "Designated exemplary models", |t, _| {
        t.models as f64
    }),
    Metric::new(
        "model_adoption",
        "share",
        Neither,
        "Share of active members who hold an exemplary practice (models and adopters, §7.7)",
        |t, _| per_member(t.adopters as f64, t),
    ),
    Metric::new(
        "assessment_score",
        "score",
        Neither,
        "Mean branch assessment score at the last assessment (official figure)",
        |_, c| c.assessment_score,
    )
    .headline(11, SUMMARY | REPORT),
    Metric::new("rewards", "per month", Neither, "Rewards issued this month", |t, _| {
        t.rewards as f64
    }),
    Metric::new("sanctions", "per month", Lower, "Sanctions issued this month", |t, _| {
        t.sanctions as f64
    }),
    Metric::new("inspections", "per month", Neither, "Inspections this month", |t, _| {
        t.inspections as f64
    }),
    Metric::new("reports", "per month", Neither, "Household reports this month", |t, _| {
        t.reports as f64
    }),
    Metric::new(
        "cost",
        "thousand yuan/month",
        Lower,
        "Spending this month, thousand yuan: fund guarantee (or service spending without funds), rewards, inspections, training, education, platform",
        |t, _| t.cost,
    )
    .headline(9, OUTCOME | SUMMARY | REPORT),
    Metric::new(
        "funds_diverted",
        "thousand yuan/month",
        Lower,
        "Service funds diverted this month (elite capture), thousand yuan",
        |t, _| t.diverted,
    ),
    Metric::new("migrations", "members/month", Lower, "Members who migrated out this month", |t, _| {
        t.migrations as f64
    }),
    Metric::new(
        "migrated_members",
        "members",
        Lower,
        "Members away as migrant workers",
        |t, _| t.migrated_members as f64,
    ),
    Metric::new(
        "members_away",
        "share",
        Lower,
        "Share of the branches' members away as migrant workers, of every member on their rolls (those in difficulty and those promoted to a township post included)",
        |t, _| ratio(t.migrated_members as f64, t.members as f64),
    ),
    Metric::new(
        "members_in_difficulty",
        "members",
        Lower,
        "Members in difficulty (not serving)",
        |t, _| t.inactive_members as f64,
    ),
    Metric::new(
        "left_behind_share",
        "share",
        Lower,
        "Share of households that are left-behind",
        |t, _| per_household(t.left_behind as f64, t),
    ),
    Metric::new("expectation_mean", "level ≥ 1", Neither, "Mean household expectation E", |t, _| {
        per_household(t.expectation, t)
    }),
    Metric::new(
        "market_development",
        "0–1",
        Neither,
        "Mean market development M of villages",
        |t, _| per_village(t.market, t),
    ),
    Metric::new(
        "leadership_mean",
        "multiplier",
        Higher,
        "Mean branch leadership multiplier L",
        |t, _| per_village(t.leadership, t),
    ),
    Metric::new(
        "secretary_turnover",
        "per month",
        Neither,
        "New secretaries this month (succession and replacement)",
        |t, _| t.secretary_turnover as f64,
    ),
    Metric::new("promotions", "per month", Neither, "Secretaries promoted this month", |t, _| {
        t.promotions as f64
    }),
    Metric::new(
        "innovation_adoption",
        "share",
        Higher,
        "Share of branches that have adopted a new service mode",
        |t, _| per_village(t.innovated as f64, t),
    ),
    Metric::new(
        "service_funds_mean",
        "thousand yuan",
        Neither,
        "Mean branch fund balance, thousand yuan",
        |t, _| per_village(t.funds, t),
    ),
    Metric::new(
        "joint_branches",
        "villages",
        Neither,
        "Villages joined with a partner this month",
        |t, _| t.joined as f64,
    ),
    Metric::new("trainings", "per month", Neither, "Trainings given this month", |t, _| {
        t.trainings as f64
    }),
    Metric::new(
        "secretary_mass_evaluation",
        "0–1",
        Higher,
        "Mean satisfaction of secretaries' own households (the branch's if none)",
        |t, _| ratio(t.secretary_evaluation, t.secretaries as f64),
    ),
    Metric::new(
        "secretary_talent",
        "0–1",
        Higher,
        "Mean leadership talent ℓ of sitting secretaries (what selection selects, §7.14)",
        |t, _| ratio(t.secretary_talent, t.secretaries as f64),
    ),
];

/// Number of metrics.
pub const N_METRICS: usize = METRICS.len();

/// One month's metrics, in the order of [`METRICS`].
pub type MonthMetrics = [f64; N_METRICS];

/// The metric table as Markdown (`grassroots metrics`; embedded in
/// `docs/model.md` §7.8 between `<!-- metrics:begin -->` and `<!-- metrics:end -->`).
pub fn markdown_table() -> String {
    let mut out = String::from("| metric | unit | better | definition |\n|---|---|---|---|\n");
    for m in METRICS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            m.name,
            m.unit,
            m.better.word(),
            m.meaning
        ));
    }
    out
}

/// Index of a metric by name.
pub fn metric_index(name: &str) -> Option<usize> {
    METRICS.iter().position(|m| m.name == name)
}

/// A metric by name.
pub fn metric(name: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.name == name)
}

/// Names of all metrics, in column order.
pub fn names() -> impl Iterator<Item = &'static str> {
    METRICS.iter().map(|m| m.name)
}

/// Names of the metrics that play `role`, headline metrics first in rank order.
pub fn with_role(role: Role) -> Vec<&'static str> {
    let mut chosen: Vec<&Metric> = METRICS.iter().filter(|m| m.has(role)).collect();
    chosen.sort_by_key(|m| m.rank);
    chosen.into_iter().map(|m| m.name).collect()
}

/// Whether a larger value of a metric is better; `None` if neutral or unknown.
pub fn larger_is_better(name: &str) -> Option<bool> {
    metric(name).and_then(|m| m.better.larger())
}

impl Tally {
    /// The month's metrics, in the order of [`METRICS`].
    pub fn metrics(&self, county: &County) -> MonthMetrics {
        std::array::from_fn(|k| (METRICS[k].value)(self, county))
    }
}

#[cfg(test)]
mod tests {
    /// The cast-based bin is the bin of x clamped to [0, 1] first, for
    /// every kind of value.
    #[test]
    fn bins_clamp_as_the_definition_says() {
        let reference = |x: f32| ((x.clamp(0.0, 1.0) * BINS as f32) as usize).min(BINS - 1);
        let mut xs = vec![
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -0.0,
            0.0,
            1.0,
            -1e-30,
            1.0 + f32::EPSILON,
            f32::MAX,
            f32::MIN,
        ];
        xs.extend((0..=200_000).map(|i| i as f32 / 100_000.0 - 0.5));
        xs.extend((0..=1000).map(|i| 0.99 + i as f32 * 1e-5));
        for x in xs {
            assert_eq!(bin(x), reference(x), "{x}");
        }
    }

    use super::*;

    /// `Tally::observe` by value: every count and sum of a village's
    /// end-of-month state, computed from the village directly, for a
    /// village of every kind of household and member.
    #[test]
    fn observe_adds_the_end_of_month_state_by_value() {
        use crate::model::{
            EffortSplit, Household, HouseholdType, Member, MemberStatus, NO_CONTACT, Practice,
        };
        let s = crate::scenario::Scenario::defaults();
        let mut v = crate::engine::build_village(&s, 0, 3);
        for (i, h) in v.households.iter_mut().enumerate() {
            if i % 4 == 0 {
                h.contact = NO_CONTACT;
            }
            if i % 3 == 0 {
                h.kind = HouseholdType::LeftBehind;
            }
            h.open_needs = [(i % 3) as u16, 0, (i % 5) as u16, 1];
            h.satisfaction = (i as f32 * 0.037) % 1.0;
            h.trust = (i as f32 * 0.053) % 1.0;
        }
        assert!(v.members.len() >= 5);
        for (i, m) in v.members.iter_mut().enumerate() {
            m.status = match i {
                1 => MemberStatus::Migrated,
                2 => MemberStatus::Inactive,
                _ => MemberStatus::Active,
            };
            let x = 0.1 + 0.07 * i as f32;
            m.effort = EffortSplit {
                real: x,
                formal: 0.5 * x,
                private: 1.0 - 1.5 * x,
            };
            m.motivation = x + 0.2;
            m.disposition = x + 0.1;
            m.skill = x + 0.3;
            m.is_model = i == 0 || i == 2;
            m.practice = (i >= 2).then_some(Practice {
                split: m.effort,
                success: 1.0,
            });
        }
        v.branch.secretary = 0;
        v.members[0].contact_satisfaction = 0.6;
        v.members[0].leadership = 0.7;
        v.expectation = 0.3;
        v.market = 0.4;
        v.branch.leadership = 1.1;
        v.branch.innovated = true;
        v.branch.funds = 12.5;
        v.branch.joined = true;

        let mut t = Tally::default();
        t.observe(&v);
        let hs = &v.households;
        let n = hs.len() as u64;
        let count = |f: &dyn Fn(&Household) -> bool| hs.iter().filter(|h| f(h)).count() as u64;
        assert_eq!(t.households, n);
        assert_eq!(t.covered, count(&|h| h.is_covered()));
        assert!(t.covered < n);
        assert_eq!(
            t.left_behind,
            count(&|h| h.kind == HouseholdType::LeftBehind)
        );
        let backlog: u64 = hs.iter().map(|h| u64::from(h.open_total())).sum();
        assert_eq!(t.backlog, backlog);
        let sum = |f: &dyn Fn(&Household) -> f32| hs.iter().map(|h| f64::from(f(h))).sum::<f64>();
        assert_eq!(t.satisfaction, sum(&|h| h.satisfaction));
        assert_eq!(t.trust, sum(&|h| h.trust));
        let mut hist = [0u32; BINS];
        hs.iter().for_each(|h| hist[bin(h.satisfaction)] += 1);
        assert_eq!(t.satisfaction_hist.0, hist);
        let mut hist = [0u32; BINS];
        hs.iter().for_each(|h| hist[bin(h.trust)] += 1);
        assert_eq!(t.trust_hist.0, hist);
        assert_eq!(t.expectation, f64::from(0.3f32) * n as f64);
        assert_eq!(t.members, v.members.len() as u64);
        assert_eq!((t.migrated_members, t.inactive_members), (1, 1));
        assert_eq!(t.villages, 1);
        assert_eq!(t.market, f64::from(0.4f32));
        assert_eq!(t.leadership, f64::from(1.1f32));
        assert_eq!((t.innovated, t.joined), (1, 1));
        assert_eq!(t.funds, 12.5);
        assert_eq!(t.secretaries, 1);
        assert_eq!(t.secretary_evaluation, f64::from(0.6f32));
        assert_eq!(t.secretary_talent, f64::from(0.7f32));
        let active: Vec<_> = v.members.iter().filter(|m| m.is_active()).collect();
        assert_eq!(t.active_members, active.len() as u64);
        let msum = |f: &dyn Fn(&Member) -> f32| active.iter().map(|m| f64::from(f(m))).sum::<f64>();
        assert_eq!(t.real_effort, msum(&|m| m.effort.real));
        assert_eq!(t.formal_effort, msum(&|m| m.effort.formal));
        assert_eq!(t.private_effort, msum(&|m| m.effort.private));
        assert_eq!(t.motivation, msum(&|m| m.motivation));
        assert_eq!(t.disposition, msum(&|m| m.disposition));
        assert_eq!(t.skill, msum(&|m| m.skill));
        let mut hist = [0u32; BINS];
        active.iter().for_each(|m| hist[bin(m.motivation)] += 1);
        assert_eq!(t.motivation_hist.0, hist);
        // Member 0 is an active model without a practice; member 2, a model
        // with one, is in difficulty: neither count reads it.
        assert_eq!(t.models, 1);
        assert_eq!(t.adopters, active.len() as u64 - 1);

        // A secretary who is not active is no secretary.
        let mut away = v.clone();
        away.members[0].status = MemberStatus::Migrated;
        let mut t2 = Tally::default();
        t2.observe(&away);
        assert_eq!(
            (t2.secretaries, t2.secretary_evaluation, t2.secretary_talent),
            (0, 0.0, 0.0)
        );
        assert_eq!(t2.migrated_members, 2);
    }

    #[test]
    fn metric_names_are_unique() {
        for (k, m) in METRICS.iter().enumerate() {
            assert_eq!(metric_index(m.name), Some(k), "duplicate metric {}", m.name);
        }
    }

    /// A tally in which every metric comes out different, so that two
    /// metrics swapped in the table, or a formula reading the wrong field or
    /// quantile, changes some expected value.
    fn distinct_tally() -> Tally {
        let mut t = Tally {
            households: 200,
            covered: 150,
            needs_arrived: 31,
            open_before_service: 77,
            needs_resolved: 20,
            needs_abandoned: 5,
            backlog: 45,
            capacity: 23.5,
            satisfaction: 124.0,
            trust: 92.0,
            active_members: 10,
            real_effort: 4.0,
            formal_effort: 2.5,
            private_effort: 3.2,
            motivation: 6.5,
            disposition: 6.0,
            skill: 7.1,
            models: 2,
            adopters: 3,
            rewards: 3,
            sanctions: 4,
            inspections: 17,
            reports: 6,
            cost: 12.5,
            migrations: 7,
            trainings: 8,
            promotions: 9,
            secretary_turnover: 11,
            migrated_members: 13,
            members: 65,
            inactive_members: 14,
            left_behind: 54,
            expectation: 111.0,
            villages: 4,
            market: 1.72,
            leadership: 4.4,
            innovated: 1,
            funds: 84.0,
            diverted: 3.25,
            joined: 15,
            secretaries: 3,
            secretary_evaluation: 1.41,
            secretary_talent: 1.62,
            ..Tally::default()
        };
        // Quartiles fall in different bins: satisfaction 0.105 | 0.505 | 0.905,
        // trust 0.205 | 0.405 | 0.805 (one value per quarter and a centre).
        for x in [0.105, 0.105, 0.505, 0.905, 0.905] {
            t.satisfaction_hist.record(x);
        }
        for x in [0.205, 0.205, 0.405, 0.805, 0.805] {
            t.trust_hist.record(x);
        }
        t
    }

    #[test]
    fn each_metric_reads_its_own_tally_field() {
        let row = distinct_tally().metrics(&County {
            assessment_score: -0.25,
        });
        let expected: &[(&str, f64)] = &[
            ("service_capacity", 23.5),
            ("needs_arrived", 31.0),
            ("needs_resolved", 20.0),
            ("needs_abandoned", 5.0),
            ("backlog", 45.0),
            ("share_met", 0.8),
            ("response_time", 1.8),
            ("realised_service", 0.1),
            ("funds_diverted", 3.25),
            ("satisfaction_mean", 0.62),
            ("coverage", 0.75),
            ("trust_mean", 0.46),
            ("formalism_index", 2.5 / 6.5),
            ("real_effort", 0.4),
            ("private_effort", 0.32),
            ("motivation_mean", 0.65),
            ("disposition_mean", 0.6),
            ("skill_mean", 0.71),
            ("active_members", 10.0),
            ("models", 2.0),
            ("model_adoption", 0.3),
            ("assessment_score", -0.25),
            ("rewards", 3.0),
            ("sanctions", 4.0),
            ("inspections", 17.0),
            ("reports", 6.0),
            ("cost", 12.5),
            ("migrations", 7.0),
            ("migrated_members", 13.0),
            ("members_away", 0.2),
            ("members_in_difficulty", 14.0),
            ("left_behind_share", 0.27),
            ("expectation_mean", 0.555),
            ("market_development", 0.43),
            ("leadership_mean", 1.1),
            ("secretary_turnover", 11.0),
            ("promotions", 9.0),
            ("innovation_adoption", 0.25),
            ("service_funds_mean", 21.0),
            ("joint_branches", 15.0),
            ("trainings", 8.0),
            ("secretary_mass_evaluation", 0.47),
            ("secretary_talent", 0.54),
        ];
        // Interpolated quartiles (histogram_quantile) of the recorded values.
        let quartiles: &[(&str, f64, f64)] = &[
            ("satisfaction_p25", 0.10, 0.11),
            ("satisfaction_median", 0.50, 0.51),
            ("satisfaction_p75", 0.90, 0.91),
            ("trust_p25", 0.20, 0.21),
            ("trust_median", 0.40, 0.41),
            ("trust_p75", 0.80, 0.81),
        ];
        for (name, want) in expected {
            let got = row[metric_index(name).expect(name)];
            assert!((got - want).abs() < 1e-9, "{name}: {got} != {want}");
        }
        for (name, lo, hi) in quartiles {
            let got = row[metric_index(name).expect(name)];
            assert!(
                (*lo..*hi).contains(&got),
                "{name}: {got} not in [{lo}, {hi})"
            );
        }
        assert_eq!(
            expected.len() + quartiles.len(),
            N_METRICS,
            "every metric is checked"
        );
    }

    #[test]
    fn the_distinct_tally_gives_distinct_metrics() {
        // Otherwise the test above could not tell two metrics apart.
        let mut row = distinct_tally()
            .metrics(&County {
                assessment_score: -0.25,
            })
            .to_vec();
        row.sort_by(f64::total_cmp);
        for pair in row.windows(2) {
            assert!(pair[1] - pair[0] > 1e-6, "two metrics share {}", pair[0]);
        }
    }

    #[test]
    fn adding_a_tally_to_itself_doubles_every_metric_count() {
        let t = distinct_tally();
        let mut twice = t.clone();
        twice.add(&t);
        let (one, two) = (
            t.metrics(&County::default()),
            twice.metrics(&County::default()),
        );
        // Ratios stay, counts and sums double.
        for (k, m) in METRICS.iter().enumerate() {
            let (a, b) = (one[k], two[k]);
            assert!(
                (b - a).abs() < 1e-9 || (b - 2.0 * a).abs() < 1e-9,
                "{}: {a} then {b}",
                m.name
            );
        }
        assert_eq!(twice.households, 2 * t.households);
        assert_eq!(twice.capacity, 2.0 * t.capacity);
        assert_eq!(twice.trust_hist.0[20], 2 * t.trust_hist.0[20]);
    }

    #[test]
    fn headline_ranks_are_unique_and_given_with_roles() {
        let mut ranks: Vec<u8> = METRICS
            .iter()
            .filter(|m| m.rank > 0)
            .map(|m| m.rank)
            .collect();
        let n = ranks.len();
        ranks.sort_unstable();
        ranks.dedup();
        assert_eq!(ranks.len(), n, "two headline metrics share a rank");
        for m in METRICS {
            assert_eq!(
                m.rank > 0,
                m.roles != 0,
                "{}: a rank needs roles and roles a rank",
                m.name
            );
        }
    }

    #[test]
    fn headline_lists_follow_rank() {
        // The headline metrics in rank order, each with its roles:
        // Charted, Outcome, Summary, Report.
        let headlines = [
            ("realised_service", "COSR"),
            ("share_met", "COSR"),
            ("satisfaction_mean", "COSR"),
            ("trust_mean", "OSR"),
            ("coverage", "OSR"),
            ("formalism_index", "COSR"),
            ("service_capacity", "SR"),
            ("backlog", "OR"),
            ("cost", "OSR"),
            ("active_members", "R"),
            ("assessment_score", "SR"),
        ];
        for (role, letter) in [
            (Role::Charted, 'C'),
            (Role::Outcome, 'O'),
            (Role::Summary, 'S'),
            (Role::Report, 'R'),
        ] {
            let expected: Vec<&str> = headlines
                .iter()
                .filter(|(_, roles)| roles.contains(letter))
                .map(|&(name, _)| name)
                .collect();
            assert_eq!(with_role(role), expected, "{role:?}");
        }
        assert_eq!(larger_is_better("cost"), Some(false));
        assert_eq!(larger_is_better("share_met"), Some(true));
        assert_eq!(larger_is_better("rewards"), None);
        assert_eq!(larger_is_better("no_such_metric"), None);
    }

    /// A mean, share or quartile with nothing to take it over (no
    /// households, active members, needs closed, secretaries or villages)
    /// is 0, not NaN (§7.8).
    #[test]
    fn an_empty_tally_gives_zero_for_every_metric() {
        let m = Tally::default().metrics(&County::default());
        for (metric, x) in METRICS.iter().zip(m) {
            assert_eq!(x.to_bits(), 0f64.to_bits(), "{}: {x}", metric.name);
        }
    }

    /// The table in §7.8: a header and one row per metric, in column
    /// order, with its unit, direction word and definition.
    #[test]
    fn the_markdown_table_has_a_row_per_metric_by_value() {
        let table = markdown_table();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "| metric | unit | better | definition |");
        assert_eq!(lines[1], "|---|---|---|---|");
        assert_eq!(lines.len(), 2 + N_METRICS);
        for (line, m) in lines[2..].iter().zip(METRICS) {
            assert!(line.starts_with(&format!("| `{}` | ", m.name)), "{line}");
        }
        let row = |name: &str| lines[2 + metric_index(name).unwrap()];
        assert_eq!(
            row("needs_abandoned"),
            "| `needs_abandoned` | needs/month | lower | Needs given up this month |"
        );
        assert_eq!(
            row("trust_mean"),
            "| `trust_mean` | 0–1 | higher | Mean household trust |"
        );
        assert_eq!(
            row("rewards"),
            "| `rewards` | per month | — | Rewards issued this month |"
        );
    }

    #[test]
    fn distributions_sum_fine_bins_and_bin_village_means() {
        // Village 1: three households, two active members.
        let mut a = Tally {
            households: 3,
            satisfaction: 0.04 + 0.05 + 0.999,
            trust: 0.3 * 3.0,
            active_members: 2,
            motivation: 0.61 + 0.72,
            ..Tally::default()
        };
        for x in [0.04, 0.05, 0.999] {
            a.satisfaction_hist.record(x);
        }
        for _ in 0..3 {
            a.trust_hist.record(0.3);
        }
        for x in [0.61, 0.72] {
            a.motivation_hist.record(x);
        }
        // Village 2: one household, no active member.
        let mut b = Tally {
            households: 1,
            satisfaction: 1.0,
            trust: 0.0,
            ..Tally::default()
        };
        b.satisfaction_hist.record(1.0);
        b.trust_hist.record(0.0);
        let d = Distributions::of_villages(&[a, b]);
        let at = |level, quantity, bins: &[(usize, u64)]| {
            let mut want = [0u64; DIST_BINS];
            for &(k, c) in bins {
                want[k] = c;
            }
            assert_eq!(d.of(level, quantity), Some(&want), "{level:?} {quantity:?}");
        };
        use {Level::*, Quantity::*};
        // 0.04 in [0, 0.05), 0.05 in [0.05, 0.1); 0.999 and 1 in the last bin.
        at(Households, Satisfaction, &[(0, 1), (1, 1), (19, 2)]);
        at(Households, Trust, &[(0, 1), (6, 3)]);
        at(Members, Motivation, &[(12, 1), (14, 1)]);
        // Means 0.363 and 1; 0.3 and 0; 0.665 (the second village has none).
        at(Villages, Satisfaction, &[(7, 1), (19, 1)]);
        at(Villages, Trust, &[(0, 1), (6, 1)]);
        at(Villages, Motivation, &[(13, 1)]);
        assert_eq!(d.of(Members, Trust), None);
        let mut twice = d.clone();
        twice.add(&d);
        assert_eq!(twice.counts[0][19], 4);
        assert_eq!(dist_bin_edges(0), (0.0, 0.05));
        assert_eq!(format!("{:?}", dist_bin_edges(2)), "(0.1, 0.15)");
        assert_eq!(format!("{:?}", dist_bin_edges(19)), "(0.95, 1.0)");
    }

    #[test]
    fn quantiles_of_a_uniform_histogram() {
        let hist = [10u32; BINS];
        assert!((histogram_quantile(&hist, 0.5) - 0.5).abs() < 1e-9);
        assert!((histogram_quantile(&hist, 0.25) - 0.25).abs() < 1e-9);
        let mut point = [0u32; BINS];
        point[70] = 5;
        let q = histogram_quantile(&point, 0.5);
        assert!((0.70..0.71).contains(&q));
    }

    /// Empty bins hold no quantile: q = 0 is the lower edge of the first
    /// bin with values, q = 1 the upper edge of the last, and quantiles in
    /// between are interpolated within the bins (an empty histogram gives 0).
    #[test]
    fn quantiles_skip_empty_bins_and_interpolate_within_a_bin() {
        let mut hist = [0u32; BINS];
        hist[10] = 4;
        hist[30] = 4;
        let at = |q: f64| histogram_quantile(&hist, q) * BINS as f64;
        assert_eq!(at(0.0), 10.0);
        assert_eq!(at(0.25), 10.5);
        assert_eq!(at(0.5), 11.0);
        assert_eq!(at(0.75), 30.5);
        assert_eq!(at(1.0), 31.0);
        assert_eq!(histogram_quantile(&[0u32; BINS], 0.5), 0.0);
    }
}
