//! Entities and their state (`docs/model.md` §2): the county's villages, each
//! with one branch, its members and its households.
//!
//! Household state is kept compact (a test holds it to at most 64 bytes)
//! because a province holds millions of them.

use rand_chacha::ChaCha8Rng;

/// Need categories (`docs/model.md` §2.5).
pub const NEED_CATEGORIES: [&str; 4] = ["production", "livelihood", "dispute", "policy"];

/// Index of the production category in [`NEED_CATEGORIES`].
pub const PRODUCTION: usize = 0;

/// Marker for a household without a contact member.
pub const NO_CONTACT: u16 = u16::MAX;

/// Household type (`docs/model.md` §2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum HouseholdType {
    /// Ordinary farming household.
    Ordinary = 0,
    /// Left-behind elderly or children.
    LeftBehind = 1,
    /// Business or cooperative household.
    Business = 2,
    /// Household in difficulty.
    Difficulty = 3,
}

/// A rural household served by the branch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Household {
    /// Household type.
    pub kind: HouseholdType,
    /// Whether the household reported its contact member this month.
    pub reported: bool,
    /// Open (unresolved) needs by category, see [`NEED_CATEGORIES`].
    pub open_needs: [u16; 4],
    /// Needs resolved this month.
    pub resolved_this_month: u16,
    /// Needs given up this month.
    pub abandoned_this_month: u16,
    /// Index of the contact member in the village, or [`NO_CONTACT`].
    pub contact: u16,
    /// Satisfaction with the branch, in [0, 1].
    pub satisfaction: f32,
    /// Trust in the branch, in [0, 1].
    pub trust: f32,
}

impl Household {
    /// Total open needs.
    pub fn open_total(&self) -> u32 {
        self.open_needs.iter().map(|&n| u32::from(n)).sum()
    }
    /// Whether the household had needs it did not see met this month: open
    /// needs, or needs given up (`|` on both, not a branch).
    pub fn has_unmet(&self) -> bool {
        (self.open_total() > 0) | (self.abandoned_this_month > 0)
    }
    /// Whether the household has a fixed-point contact member.
    pub fn is_covered(&self) -> bool {
        self.contact != NO_CONTACT
    }
    /// The household's slot among a village's `members` members plus one:
    /// its contact's index, or `members` without a contact (a select, not a
    /// branch; `rules::ContactSlots`).
    #[inline]
    pub fn contact_slot(&self, members: usize) -> usize {
        std::hint::select_unpredictable(self.is_covered(), usize::from(self.contact), members)
    }
}

/// Effort split of a member: shares of working time, summing to 1 (`docs/model.md` §7.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EffortSplit {
    /// Real service to households.
    pub real: f32,
    /// Formal activity: meetings, records, visible work that assessments count.
    pub formal: f32,
    /// Private work.
    pub private: f32,
}

impl EffortSplit {
    /// Real service output per unit skill, √e_R.
    pub fn real_output(&self) -> f32 {
        self.real.max(0.0).sqrt()
    }
    /// Formal output, √e_F.
    pub fn formal_output(&self) -> f32 {
        self.formal.max(0.0).sqrt()
    }
    /// Private output, √e_P.
    pub fn private_output(&self) -> f32 {
        self.private.max(0.0).sqrt()
    }
    /// Move a share `rate` of the way toward `target` (keeps the sum at 1).
    pub fn move_toward(&mut self, target: &EffortSplit, rate: f32) {
        self.real += rate * (target.real - self.real);
        self.formal += rate * (target.formal - self.formal);
        self.private = (1.0 - self.real - self.formal).max(0.0);
    }
}

/// An exemplary model's practice as it spreads (`docs/model.md` §7.7): the
/// model's effort split at designation, which adopters take as a reference
/// in the effort choice, and the payoff the model was designated with, the
/// success the practice is known for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Practice {
    /// The model's effort split.
    pub split: EffortSplit,
    /// The model's payoff π of the period before designation.
    pub success: f32,
}

/// Member status (`docs/model.md` §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum MemberStatus {
    /// Present and able to serve.
    Active = 0,
    /// Away as a migrant worker.
    Migrated = 1,
    /// Elderly, ill or in difficulty, not serving.
    Inactive = 2,
    /// Promoted to a township post: gone from the branch.
    Promoted = 3,
}

/// A Party member of the village branch.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Status.
    pub status: MemberStatus,
    /// Service skill s in [0, 1].
    pub skill: f32,
    /// Intrinsic public-service motivation θ in [0, 1].
    pub motivation: f32,
    /// Lasting disposition θ̂ in [0, 1] toward which θ fades (`docs/model.md` §7.12).
    pub disposition: f32,
    /// Leadership talent ℓ in [0, 1] (counts when the member is secretary).
    pub leadership: f32,
    /// Whether the member is of working age (can migrate).
    pub working_age: bool,
    /// Current effort split.
    pub effort: EffortSplit,
    /// Honours received (rewards and model designations), cumulative.
    pub honours: u16,
    /// Sanctions received, cumulative.
    pub sanctions: u16,
    /// Households assigned to this member (fixed-point contact).
    pub assigned: u16,
    /// Whether the member is a designated exemplary model this period.
    pub is_model: bool,
    /// The exemplary practice the member has adopted (`docs/model.md` §7.7),
    /// or `None` if not adopted.
    pub practice: Option<Practice>,
    /// Last month: share of assigned households with unmet needs.
    pub unmet_share: f32,
    /// Last month: mean trust of assigned households.
    pub contact_trust: f32,
    /// Last month: mean satisfaction of assigned households.
    pub contact_satisfaction: f32,
    /// Service capacity this month (needs per month).
    pub capacity: f32,
    /// Open needs of assigned households at the start of service this month.
    pub assigned_backlog: f32,
    /// Reports received this month.
    pub reports: u16,
    /// Sanctions received this month.
    pub sanctions_this_month: u16,
    /// Period accumulators for the assessment (`docs/model.md` §7.4).
    pub period: PeriodRecord,
    /// Perceived chance P of being rewarded at the next assessment (`docs/model.md` §7.4).
    pub reward_chance: f32,
    /// Share of this month spent in training instead of service (t_i, `docs/model.md` §7.15).
    pub time_off: f32,
    /// Last assessment score.
    pub score: f32,
    /// Payoff realised over the last assessment period (for imitation).
    pub payoff: f32,
}

/// What a member did during the current assessment period.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PeriodRecord {
    /// Months recorded.
    pub months: u16,
    /// Sum of monthly formal output √e_F.
    pub formal_output: f32,
    /// Sum of monthly private (economic) output √e_P.
    pub private_output: f32,
    /// Needs resolved for assigned households (plus pooled work).
    pub resolved: f32,
    /// Sum of realised monthly utility.
    pub utility: f32,
    /// Sanctions this period.
    pub sanctions: u16,
    /// Whether the member was rewarded at the assessment closing this period.
    pub rewarded: bool,
}

impl Member {
    /// Whether the member can serve this month.
    pub fn is_active(&self) -> bool {
        self.status == MemberStatus::Active
    }

    /// Whether the member holds an exemplary practice (§7.7).
    pub fn adopted(&self) -> bool {
        self.practice.is_some()
    }
}

impl Village {
    /// Number of active members.
    pub fn active_members(&self) -> usize {
        self.members.iter().filter(|m| m.is_active()).count()
    }

    /// The secretary, if the branch has an active one.
    pub fn secretary(&self) -> Option<&Member> {
        self.members
            .get(self.branch.secretary as usize)
            .filter(|m| m.is_active())
    }

    /// Mean household satisfaction (0 without households).
    pub fn mean_satisfaction(&self) -> f32 {
        if self.households.is_empty() {
            0.0
        } else {
            self.households.iter().map(|h| h.satisfaction).sum::<f32>()
                / self.households.len() as f32
        }
    }

    /// Mean household trust, summed in f64 (0 without households).
    pub fn mean_trust(&self) -> f64 {
        if self.households.is_empty() {
            0.0
        } else {
            self.households
                .iter()
                .map(|h| f64::from(h.trust))
                .sum::<f64>()
                / self.households.len() as f64
        }
    }

    /// Withdraw member `i` from service: their households lose their contact.
    pub fn release_contacts(&mut self, i: usize) {
        let i16 = i as u16;
        for h in &mut self.households {
            if h.contact == i16 {
                h.contact = NO_CONTACT;
            }
        }
        self.members[i].assigned = 0;
    }

    /// [`Village::release_contacts`] for several members at once, in one
    /// pass over the households.
    pub fn release_contacts_of(&mut self, members: &[usize]) {
        if members.is_empty() {
            return;
        }
        // One flag per member and one, never set, for households without a
        // contact (their slot, `Household::contact_slot`): a lookup and a
        // select for every household, no branch.
        let n = self.members.len();
        let mut leaving = vec![false; n + 1];
        for &i in members {
            leaving[i] = true;
            self.members[i].assigned = 0;
        }
        for h in &mut self.households {
            let released = leaving[h.contact_slot(n)];
            h.contact = std::hint::select_unpredictable(released, NO_CONTACT, h.contact);
        }
    }
}

/// The village Party branch.
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// Index of the secretary among the village's members.
    pub secretary: u16,
    /// Leadership multiplier L on members' service capacity (1 = neutral).
    pub leadership: f32,
    /// Service funds available (thousand yuan).
    pub funds: f64,
    /// Last assessment score (mean of members' scores).
    pub score: f32,
    /// Evaluation of the secretary at the last assessment (`docs/model.md` §7.14).
    pub evaluation: f32,
    /// Perceived chance P that the secretary is promoted (`docs/model.md` §7.11).
    pub promotion_chance: f32,
    /// Whether the branch has adopted a new service mode.
    pub innovated: bool,
    /// Capacity lent to this village by a joint-branch partner this month.
    pub support_capacity: f32,
    /// Capacity this village lends to a joint-branch partner this month.
    pub lent_capacity: f32,
    /// Spare capacity left last month (for joint branches).
    pub spare_capacity: f32,
    /// Capacity the township's industry branch gives this village's
    /// business and cooperative households' production needs this month
    /// (`docs/model.md` §7.16).
    pub industry_capacity: f32,
    /// Whether the village is joined with a partner this month.
    pub joined: bool,
    /// Months the secretary in office has served (τ, `docs/model.md` §7.11).
    pub tenure: u16,
    /// The score weights members act on (`docs/model.md` §7.3: limited attention).
    pub known_weights: ScoreWeights,
}

/// Assessment score weights (w_F, w_O, w_M, w_E) as members know them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreWeights {
    /// w_F: formal activity.
    pub formal: f32,
    /// w_O: needs resolved.
    pub outcome: f32,
    /// w_M: mass evaluation.
    pub mass: f32,
    /// w_E: economic indicators.
    pub economic: f32,
}

impl ScoreWeights {
    /// The weights in force under `incentive`.
    pub fn of(incentive: &crate::scenario::Incentive) -> Self {
        ScoreWeights {
            formal: incentive.formal_weight as f32,
            outcome: incentive.outcome_weight as f32,
            mass: incentive.mass_evaluation_weight as f32,
            economic: incentive.economic_weight as f32,
        }
    }

    /// Close a share `rate` of the gap to `target`.
    pub fn move_toward(&mut self, target: &ScoreWeights, rate: f32) {
        self.formal += rate * (target.formal - self.formal);
        self.outcome += rate * (target.outcome - self.outcome);
        self.mass += rate * (target.mass - self.mass);
        self.economic += rate * (target.economic - self.economic);
    }
}

/// A village: its households, its branch and members, and its random stream.
#[derive(Debug, Clone)]
pub struct Village {
    /// Index of the village in the county.
    pub id: u32,
    /// Index of its township.
    pub township: u32,
    /// Households.
    pub households: Vec<Household>,
    /// Party members.
    pub members: Vec<Member>,
    /// The branch.
    pub branch: Branch,
    /// Market development M in [0, 1].
    pub market: f32,
    /// Social differentiation D in [0, 1] (diversity of needs).
    pub differentiation: f32,
    /// Expectation level E of its households (≥ 1): a household's
    /// experience of service is divided by E (§7.6), so the same service
    /// satisfies less as E rises with M (§7.9). Every household of a
    /// village has the same E (all start at 1 and rise together), so it is
    /// kept once per village, not in every household.
    pub expectation: f32,
    /// This village's random stream, keyed by (seed, replicate, village).
    pub rng: ChaCha8Rng,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;

    #[test]
    fn releasing_several_members_at_once_is_releasing_each() {
        let s = crate::scenario::Scenario::defaults();
        let mut v = build_village(&s, 0, 3);
        let mut w = v.clone();
        v.release_contacts_of(&[1, 4, 2]);
        for i in [1, 4, 2] {
            w.release_contacts(i);
        }
        assert_eq!(v.households, w.households);
        assert_eq!(v.members, w.members);
        assert!(v.households.iter().any(|h| h.contact == NO_CONTACT));
    }

    fn household(open_needs: [u16; 4], abandoned: u16, contact: u16) -> Household {
        Household {
            kind: HouseholdType::Ordinary,
            reported: false,
            open_needs,
            resolved_this_month: 0,
            abandoned_this_month: abandoned,
            contact,
            satisfaction: 0.5,
            trust: 0.5,
        }
    }

    #[test]
    fn a_households_needs_and_contact_read_by_value() {
        let h = household([1, 0, 300, 2], 0, 4);
        assert_eq!(h.open_total(), 303);
        assert!(h.has_unmet() && h.is_covered());
        assert_eq!(h.contact_slot(9), 4);
        // Needs given up alone leave the household unmet.
        assert!(household([0; 4], 1, 0).has_unmet());
        assert!(!household([0; 4], 0, 0).has_unmet());
        // Open needs and needs given up together: still unmet (an `|`, not
        // an exclusive or).
        assert!(household([0, 2, 0, 0], 1, 0).has_unmet());
        let alone = household([0; 4], 0, NO_CONTACT);
        assert!(!alone.is_covered());
        assert_eq!(alone.contact_slot(9), 9);
        assert_eq!(household([u16::MAX; 4], 0, 0).open_total(), 4 * 65_535);
    }

    #[test]
    fn outputs_are_square_roots_of_the_shares() {
        let e = EffortSplit {
            real: 0.25,
            formal: 0.64,
            private: -0.01,
        };
        assert_eq!(e.real_output(), 0.5);
        assert_eq!(e.formal_output(), 0.8);
        // A share a rounding error below 0 counts as 0, not NaN.
        assert_eq!(e.private_output(), 0.0);
        assert_eq!(EffortSplit { private: 0.09, ..e }.private_output(), 0.3);
    }

    #[test]
    fn a_villages_members_and_means_read_by_value() {
        let s = crate::scenario::Scenario::defaults();
        let mut v = build_village(&s, 0, 3);
        let n = v.members.len();
        assert_eq!(v.active_members(), n);
        let sec = usize::from(v.branch.secretary);
        assert!(std::ptr::eq(v.secretary().unwrap(), &v.members[sec]));
        v.members[sec].status = MemberStatus::Migrated;
        assert_eq!(v.active_members(), n - 1);
        assert!(v.secretary().is_none());
        assert!(!v.members[sec].is_active());
        v.branch.secretary = u16::MAX;
        assert!(v.secretary().is_none());
        v.households.truncate(3);
        for (h, (sat, trust)) in v
            .households
            .iter_mut()
            .zip([(0.2, 0.1), (0.5, 0.4), (0.8, 1.0)])
        {
            h.satisfaction = sat;
            h.trust = trust;
        }
        assert!((v.mean_satisfaction() - 0.5).abs() < 1e-6);
        assert!((v.mean_trust() - 0.5).abs() < 1e-7);
        v.households.clear();
        assert_eq!((v.mean_satisfaction(), v.mean_trust()), (0.0, 0.0));
    }

    #[test]
    fn score_weights_are_the_policys_and_close_their_gap_at_the_rate() {
        let mut inc = crate::scenario::Scenario::defaults().incentive;
        inc.formal_weight = 0.1;
        inc.outcome_weight = 0.2;
        inc.mass_evaluation_weight = 0.3;
        inc.economic_weight = 0.4;
        let target = ScoreWeights::of(&inc);
        assert_eq!(
            [target.formal, target.outcome, target.mass, target.economic],
            [0.1, 0.2, 0.3, 0.4]
        );
        // No weight starts at 0, so each gap is target − weight, not a sum.
        let mut w = ScoreWeights {
            formal: 0.5,
            outcome: 0.6,
            mass: 1.0,
            economic: 0.2,
        };
        w.move_toward(&target, 0.25);
        let got = [w.formal, w.outcome, w.mass, w.economic];
        for (g, want) in got.iter().zip([0.4, 0.5, 0.825, 0.25]) {
            assert!((g - want).abs() < 1e-6, "{got:?}");
        }
    }

    #[test]
    fn a_practice_is_held_once_adopted() {
        let s = crate::scenario::Scenario::defaults();
        let mut v = build_village(&s, 0, 3);
        assert!(!v.members[0].adopted());
        v.members[0].practice = Some(Practice {
            split: v.members[0].effort,
            success: 0.0,
        });
        assert!(v.members[0].adopted());
    }

    #[test]
    fn household_state_is_compact() {
        assert!(std::mem::size_of::<Household>() <= 64);
    }

    #[test]
    fn moving_effort_keeps_shares_summing_to_one() {
        let mut e = EffortSplit {
            real: 0.2,
            formal: 0.3,
            private: 0.5,
        };
        let t = EffortSplit {
            real: 0.6,
            formal: 0.1,
            private: 0.3,
        };
        e.move_toward(&t, 0.5);
        assert!((e.real + e.formal + e.private - 1.0).abs() < 1e-6);
        assert!((e.real - 0.4).abs() < 1e-6);
        assert!((e.formal - 0.2).abs() < 1e-6 && (e.private - 0.4).abs() < 1e-6);
        // Private work takes the rest, never below 0.
        let mut over = EffortSplit {
            real: 0.7,
            formal: 0.3,
            private: 0.0,
        };
        over.move_toward(&EffortSplit { real: 0.9, ..over }, 1.0);
        assert_eq!(over.private, 0.0);
    }
}
