//! Monthly metrics (`docs/model.md` §7.8): what researchers measure.
//!
//! Villages fill a [`Tally`] each month in parallel; the engine merges the
//! tallies in village order (so sums do not depend on thread count) and turns
//! the county tally into one row of [`METRICS`].

/// Bins of the satisfaction and trust histograms used for quartiles.
pub const BINS: usize = 100;

/// Counts and sums of one month, for one village or the whole county.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    /// Households.
    pub households: u64,
    /// Households with a contact member.
    pub covered: u64,
    /// New needs.
    pub needs_arrived: u64,
    /// Open needs when service began (backlog plus new).
    pub open_before_service: u64,
    /// Needs resolved.
    pub needs_resolved: u64,
    /// Needs given up.
    pub needs_abandoned: u64,
    /// Open needs at the end of the month.
    pub backlog: u64,
    /// Σ member capacity (needs per month).
    pub capacity: f64,
    /// Σ satisfaction.
    pub satisfaction: f64,
    /// Σ trust.
    pub trust: f64,
    /// Histogram of satisfaction.
    pub satisfaction_hist: [u32; BINS],
    /// Histogram of trust.
    pub trust_hist: [u32; BINS],
    /// Active members.
    pub active_members: u64,
    /// Σ real effort share of active members.
    pub real_effort: f64,
    /// Σ formal effort share.
    pub formal_effort: f64,
    /// Σ private effort share.
    pub private_effort: f64,
    /// Σ motivation of active members.
    pub motivation: f64,
    /// Σ skill of active members.
    pub skill: f64,
    /// Designated models among active members.
    pub models: u64,
    /// Rewards issued.
    pub rewards: u64,
    /// Sanctions issued.
    pub sanctions: u64,
    /// Inspections made.
    pub inspections: u64,
    /// Reports by households.
    pub reports: u64,
    /// Cost, thousand yuan.
    pub cost: f64,
    /// Members who migrated this month.
    pub migrations: u64,
    /// Trainings given.
    pub trainings: u64,
    /// Secretaries promoted.
    pub promotions: u64,
    /// New secretaries.
    pub secretary_turnover: u64,
    /// Members away as migrants.
    pub migrated_members: u64,
    /// Members in difficulty.
    pub inactive_members: u64,
    /// Left-behind households.
    pub left_behind: u64,
    /// Σ household expectation.
    pub expectation: f64,
    /// Villages.
    pub villages: u64,
    /// Σ market development.
    pub market: f64,
    /// Σ branch leadership multiplier.
    pub leadership: f64,
    /// Branches that have innovated.
    pub innovated: u64,
    /// Σ branch fund balance.
    pub funds: f64,
    /// Villages joined with a partner.
    pub joined: u64,
    /// Branches with an active secretary.
    pub secretaries: u64,
    /// Σ mass evaluation S̄ of secretaries.
    pub secretary_evaluation: f64,
}

/// A village's tally.
pub type VillageTally = Tally;
/// The county's tally.
pub type CountyTally = Tally;

impl Default for Tally {
    fn default() -> Self {
        Tally {
            households: 0,
            covered: 0,
            needs_arrived: 0,
            open_before_service: 0,
            needs_resolved: 0,
            needs_abandoned: 0,
            backlog: 0,
            capacity: 0.0,
            satisfaction: 0.0,
            trust: 0.0,
            satisfaction_hist: [0; BINS],
            trust_hist: [0; BINS],
            active_members: 0,
            real_effort: 0.0,
            formal_effort: 0.0,
            private_effort: 0.0,
            motivation: 0.0,
            skill: 0.0,
            models: 0,
            rewards: 0,
            sanctions: 0,
            inspections: 0,
            reports: 0,
            cost: 0.0,
            migrations: 0,
            trainings: 0,
            promotions: 0,
            secretary_turnover: 0,
            migrated_members: 0,
            inactive_members: 0,
            left_behind: 0,
            expectation: 0.0,
            villages: 0,
            market: 0.0,
            leadership: 0.0,
            innovated: 0,
            funds: 0.0,
            joined: 0,
            secretaries: 0,
            secretary_evaluation: 0.0,
        }
    }
}

fn bin(x: f32) -> usize {
    ((x.clamp(0.0, 1.0) * BINS as f32) as usize).min(BINS - 1)
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
            self.satisfaction_hist[bin(h.satisfaction)] += 1;
            self.trust_hist[bin(h.trust)] += 1;
            self.left_behind += u64::from(h.kind == crate::model::HouseholdType::LeftBehind);
            self.expectation += f64::from(h.expectation);
        }
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
        }
        for m in v.members.iter().filter(|m| m.is_active()) {
            self.active_members += 1;
            self.real_effort += f64::from(m.effort.real);
            self.formal_effort += f64::from(m.effort.formal);
            self.private_effort += f64::from(m.effort.private);
            self.motivation += f64::from(m.motivation);
            self.skill += f64::from(m.skill);
            self.models += u64::from(m.is_model);
        }
    }

    /// Add another tally (used in a fixed order).
    pub fn add(&mut self, o: &Tally) {
        self.households += o.households;
        self.covered += o.covered;
        self.needs_arrived += o.needs_arrived;
        self.open_before_service += o.open_before_service;
        self.needs_resolved += o.needs_resolved;
        self.needs_abandoned += o.needs_abandoned;
        self.backlog += o.backlog;
        self.capacity += o.capacity;
        self.satisfaction += o.satisfaction;
        self.trust += o.trust;
        for b in 0..BINS {
            self.satisfaction_hist[b] += o.satisfaction_hist[b];
            self.trust_hist[b] += o.trust_hist[b];
        }
        self.active_members += o.active_members;
        self.real_effort += o.real_effort;
        self.formal_effort += o.formal_effort;
        self.private_effort += o.private_effort;
        self.motivation += o.motivation;
        self.skill += o.skill;
        self.models += o.models;
        self.rewards += o.rewards;
        self.sanctions += o.sanctions;
        self.inspections += o.inspections;
        self.reports += o.reports;
        self.cost += o.cost;
        self.migrations += o.migrations;
        self.trainings += o.trainings;
        self.promotions += o.promotions;
        self.secretary_turnover += o.secretary_turnover;
        self.migrated_members += o.migrated_members;
        self.inactive_members += o.inactive_members;
        self.left_behind += o.left_behind;
        self.expectation += o.expectation;
        self.villages += o.villages;
        self.market += o.market;
        self.leadership += o.leadership;
        self.innovated += o.innovated;
        self.funds += o.funds;
        self.joined += o.joined;
        self.secretaries += o.secretaries;
        self.secretary_evaluation += o.secretary_evaluation;
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

/// The metrics written per month: name and meaning (README and `docs/model.md` §7.8).
pub const METRICS: &[(&str, &str)] = &[
    (
        "service_capacity",
        "Σ member capacity κ·L·s·√e_R: needs the branches can resolve per month",
    ),
    ("needs_arrived", "New needs this month"),
    ("needs_resolved", "Needs resolved this month"),
    ("needs_abandoned", "Needs given up this month"),
    ("backlog", "Open needs at the end of the month"),
    (
        "share_met",
        "Share of needs closed this month that were resolved: resolved / (resolved + abandoned)",
    ),
    (
        "response_time",
        "Mean months a need waits, by Little's law: backlog / resolved",
    ),
    ("satisfaction_mean", "Mean household satisfaction"),
    ("satisfaction_p25", "Lower quartile of satisfaction"),
    ("satisfaction_median", "Median satisfaction"),
    ("satisfaction_p75", "Upper quartile of satisfaction"),
    ("trust_mean", "Mean household trust"),
    ("trust_p25", "Lower quartile of trust"),
    ("trust_median", "Median trust"),
    ("trust_p75", "Upper quartile of trust"),
    ("coverage", "Share of households with a contact member"),
    (
        "formalism_index",
        "Formal share of public effort: Σe_F / Σ(e_R + e_F)",
    ),
    (
        "real_effort",
        "Mean real-service share e_R of active members",
    ),
    (
        "private_effort",
        "Mean private-work share e_P of active members",
    ),
    (
        "motivation_mean",
        "Mean intrinsic motivation θ of active members",
    ),
    ("skill_mean", "Mean skill s of active members"),
    ("active_members", "Members present and serving"),
    ("models", "Designated exemplary models"),
    (
        "assessment_score",
        "Mean branch assessment score at the last assessment (official figure)",
    ),
    ("rewards", "Rewards issued this month"),
    ("sanctions", "Sanctions issued this month"),
    ("inspections", "Inspections this month"),
    ("reports", "Household reports this month"),
    (
        "cost",
        "Spending this month, thousand yuan: fund guarantee (or service spending without funds), rewards, inspections, training, education, platform",
    ),
    ("migrations", "Members who migrated out this month"),
    ("migrated_members", "Members away as migrant workers"),
    (
        "members_in_difficulty",
        "Members in difficulty (not serving)",
    ),
    (
        "left_behind_share",
        "Share of households that are left-behind",
    ),
    ("expectation_mean", "Mean household expectation E"),
    (
        "market_development",
        "Mean market development M of villages",
    ),
    ("leadership_mean", "Mean branch leadership multiplier L"),
    (
        "secretary_turnover",
        "New secretaries this month (succession and replacement)",
    ),
    ("promotions", "Secretaries promoted this month"),
    (
        "innovation_adoption",
        "Share of branches that have adopted a new service mode",
    ),
    (
        "service_funds_mean",
        "Mean branch fund balance, thousand yuan",
    ),
    (
        "joint_branches",
        "Villages joined with a partner this month",
    ),
    ("trainings", "Trainings given this month"),
    (
        "secretary_mass_evaluation",
        "Mean satisfaction of secretaries' own households (the branch's if none)",
    ),
];

/// Number of metrics.
pub const N_METRICS: usize = 43;

/// One month's metrics, in the order of [`METRICS`].
pub type MonthMetrics = [f64; N_METRICS];

/// The metric table as Markdown (`grassroots metrics`; embedded in
/// `docs/model.md` §7.8 between `<!-- metrics:begin -->` and `<!-- metrics:end -->`).
pub fn markdown_table() -> String {
    let mut out = String::from("| metric | definition |\n|---|---|\n");
    for (name, meaning) in METRICS {
        out.push_str(&format!("| `{name}` | {meaning} |\n"));
    }
    out
}

/// Index of a metric by name.
pub fn metric_index(name: &str) -> Option<usize> {
    METRICS.iter().position(|(n, _)| *n == name)
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

impl Tally {
    /// The month's metrics; `assessment_score` is carried by the engine.
    pub fn metrics(&self, assessment_score: f64) -> MonthMetrics {
        let h = self.households as f64;
        let a = self.active_members as f64;
        [
            self.capacity,
            self.needs_arrived as f64,
            self.needs_resolved as f64,
            self.needs_abandoned as f64,
            self.backlog as f64,
            ratio(
                self.needs_resolved as f64,
                (self.needs_resolved + self.needs_abandoned) as f64,
            ),
            ratio(self.backlog as f64, self.needs_resolved.max(1) as f64),
            ratio(self.satisfaction, h),
            histogram_quantile(&self.satisfaction_hist, 0.25),
            histogram_quantile(&self.satisfaction_hist, 0.5),
            histogram_quantile(&self.satisfaction_hist, 0.75),
            ratio(self.trust, h),
            histogram_quantile(&self.trust_hist, 0.25),
            histogram_quantile(&self.trust_hist, 0.5),
            histogram_quantile(&self.trust_hist, 0.75),
            ratio(self.covered as f64, h),
            ratio(self.formal_effort, self.formal_effort + self.real_effort),
            ratio(self.real_effort, a),
            ratio(self.private_effort, a),
            ratio(self.motivation, a),
            ratio(self.skill, a),
            a,
            self.models as f64,
            assessment_score,
            self.rewards as f64,
            self.sanctions as f64,
            self.inspections as f64,
            self.reports as f64,
            self.cost,
            self.migrations as f64,
            self.migrated_members as f64,
            self.inactive_members as f64,
            ratio(self.left_behind as f64, h),
            ratio(self.expectation, h),
            ratio(self.market, self.villages as f64),
            ratio(self.leadership, self.villages as f64),
            self.secretary_turnover as f64,
            self.promotions as f64,
            ratio(self.innovated as f64, self.villages as f64),
            ratio(self.funds, self.villages as f64),
            self.joined as f64,
            self.trainings as f64,
            ratio(self.secretary_evaluation, self.secretaries as f64),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_table_matches_row_length() {
        assert_eq!(METRICS.len(), N_METRICS);
        assert_eq!(Tally::default().metrics(0.0).len(), N_METRICS);
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
}
