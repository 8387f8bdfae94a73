//! Exemplary models (`docs/model.md` §7.7): designation, diffusion of the
//! models' practice through contact, and mentoring.
//!
//! At each assessment the top share of active members by score within each
//! reach group (branch, township or county) is designated as models and
//! publicised (one honour each); each model's practice is its effort split.
//! Every month each active member who holds no practice meets, in turn, a
//! publicised model of their group (probability r_M), a random fellow member
//! of their branch (r_B), a random member of their township (r_T, as it stood
//! at the end of last month) and, if mentored, one of the branch's models
//! (r_H). On meeting a holder j of a practice the member adopts it with the
//! Fermi probability P = 1 / (1 + exp(−(π_j − π_i)/K)) (Szabó & Tőke 1998):
//! the member takes j's practice as a reference in the effort choice (§7.3)
//! and moves motivation and lasting disposition a share η toward j's θ.
//! Adopters who are not models abandon the practice at rate δ. Strong members
//! also help weak ones: each month a member whose skill is below the mean
//! skill s̄_M of their own branch's models closes a share τ of the gap.

use crate::metrics::VillageTally;
use crate::model::{EffortSplit, Practice, Village};
use crate::random::{bernoulli, index};
use crate::rules::{MonthContext, crowding};
use crate::scenario::{Reach, Scenario};

/// What others see of a designated model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelTraits {
    /// Village of the model.
    pub village: u32,
    /// Index of the model among the village's members.
    pub member: u16,
    /// Intrinsic motivation θ.
    pub motivation: f32,
    /// Effort split at designation: the model's practice.
    pub effort: EffortSplit,
    /// Payoff of the last period.
    pub payoff: f32,
}

/// The designated models, by reach group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelBoard {
    /// Models of each group (indexed by [`group_of`]).
    pub groups: Vec<Vec<ModelTraits>>,
}

impl ModelBoard {
    /// Number of models designated.
    pub fn len(&self) -> usize {
        self.groups.iter().map(Vec::len).sum()
    }
    /// Whether no model is designated.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The reach group a village belongs to.
pub fn group_of(v: &Village, reach: Reach) -> usize {
    match reach {
        Reach::Branch => v.id as usize,
        Reach::Township => v.township as usize,
        Reach::County => 0,
    }
}

/// Designate models in every group from the latest scores.
pub fn designate(villages: &mut [Village], s: &Scenario) -> ModelBoard {
    let ex = &s.exemplary;
    for v in villages.iter_mut() {
        for m in &mut v.members {
            m.is_model = false;
        }
    }
    if !ex.enabled {
        return ModelBoard::default();
    }
    let n_groups = villages
        .iter()
        .map(|v| group_of(v, ex.reach) + 1)
        .max()
        .unwrap_or(0);
    let mut candidates: Vec<(usize, f32, u32, u16)> = villages
        .iter()
        .flat_map(|v| {
            let g = group_of(v, ex.reach);
            v.members
                .iter()
                .enumerate()
                .filter(|(_, m)| m.is_active())
                .map(move |(i, m)| (g, m.score, v.id, i as u16))
        })
        .collect();
    candidates.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.total_cmp(&a.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    let mut board = ModelBoard {
        groups: vec![Vec::new(); n_groups],
    };
    let mut start = 0;
    while start < candidates.len() {
        let g = candidates[start].0;
        let end = start + candidates[start..].iter().take_while(|c| c.0 == g).count();
        let size = end - start;
        let n_models = if ex.model_share > 0.0 {
            ((ex.model_share * size as f64).ceil() as usize).min(size)
        } else {
            0
        };
        for &(_, _, village, member) in &candidates[start..start + n_models] {
            let m = &mut villages[village as usize].members[member as usize];
            m.is_model = true;
            m.practice = Some(Practice {
                split: m.effort,
                success: m.payoff,
            });
            m.honours = m.honours.saturating_add(1);
            crowding::after_designation(m, s);
            board.groups[g].push(ModelTraits {
                village,
                member,
                motivation: m.motivation,
                effort: m.effort,
                payoff: m.payoff,
            });
        }
        start = end;
    }
    board
}

/// A holder of a practice as others meet them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Holder {
    /// The practice held.
    pub practice: Practice,
    /// The holder's intrinsic motivation θ.
    pub motivation: f32,
}

/// Who a member can meet across the township (county phase, end of month).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TownshipContacts {
    /// Active members of each township.
    pub active: Vec<u32>,
    /// Active holders of a practice in each township, in village and member order.
    pub holders: Vec<Vec<Holder>>,
}

/// The township contacts of next month: every township's active members and
/// the holders among them; empty when the programme is off or r_T = 0.
pub fn township_contacts(villages: &[Village], s: &Scenario) -> TownshipContacts {
    let ex = &s.exemplary;
    if !ex.enabled || ex.township_contact_rate <= 0.0 {
        return TownshipContacts::default();
    }
    let n = villages
        .iter()
        .map(|v| v.township as usize + 1)
        .max()
        .unwrap_or(0);
    let mut contacts = TownshipContacts {
        active: vec![0; n],
        holders: vec![Vec::new(); n],
    };
    for v in villages {
        let t = v.township as usize;
        for m in v.members.iter().filter(|m| m.is_active()) {
            contacts.active[t] += 1;
            if let Some(practice) = m.practice {
                contacts.holders[t].push(Holder {
                    practice,
                    motivation: m.motivation,
                });
            }
        }
    }
    contacts
}

/// Fermi probability that a member with payoff `own` copies one with `model`.
pub fn copy_probability(own: f32, model: f32, temperature: f64) -> f64 {
    1.0 / (1.0 + (-(f64::from(model) - f64::from(own)) / temperature).exp())
}

/// Whether a member with payoff `own` who meets `source` adopts its practice:
/// one Bernoulli draw of the Fermi probability against the success the
/// practice is known for.
fn persuaded(rng: &mut rand_chacha::ChaCha8Rng, own: f32, source: &Holder, k: f64) -> bool {
    bernoulli(rng, copy_probability(own, source.practice.success, k))
}

/// Monthly diffusion of the models' practice through contact, abandonment,
/// and mentoring within the branch (`docs/model.md` §7.7).
pub fn imitate_and_mentor(v: &mut Village, ctx: &MonthContext<'_>, _tally: &mut VillageTally) {
    let s = ctx.policy;
    let ex = &s.exemplary;
    if !ex.enabled {
        for m in &mut v.members {
            m.practice = None;
        }
        return;
    }
    let group = group_of(v, ex.reach);
    let models: &[ModelTraits] = ctx
        .board
        .groups
        .get(group)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let eta = ex.imitation_strength as f32;
    let k = ex.imitation_temperature;
    // The branch as it stands at the start of the step: who is active, who
    // holds a practice, who are the active models.
    let active: Vec<usize> = (0..v.members.len())
        .filter(|&i| v.members[i].is_active())
        .collect();
    let held: Vec<Option<Holder>> = v
        .members
        .iter()
        .map(|m| {
            m.practice.map(|practice| Holder {
                practice,
                motivation: m.motivation,
            })
        })
        .collect();
    let mentors: Vec<usize> = active
        .iter()
        .copied()
        .filter(|&i| v.members[i].is_model)
        .collect();
    let mentor_skill = if mentors.is_empty() {
        0.0
    } else {
        mentors.iter().map(|&i| v.members[i].skill).sum::<f32>() / mentors.len() as f32
    };
    let township = v.township as usize;
    let met_in_township = ctx.contacts.active.get(township).copied().unwrap_or(0) as usize;
    let township_holders: &[Holder] = ctx
        .contacts
        .holders
        .get(township)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for (pos, &i) in active.iter().enumerate() {
        let m = &v.members[i];
        if m.is_model {
            continue;
        }
        if m.practice.is_some() {
            if bernoulli(&mut v.rng, ex.abandonment_rate) {
                v.members[i].practice = None;
            }
            continue;
        }
        let own = m.payoff;
        let mentored = !mentors.is_empty() && m.skill < mentor_skill;
        let rng = &mut v.rng;
        let mut source: Option<Holder> = None;
        // 1. A publicised model of the reach group.
        if !models.is_empty() && bernoulli(rng, ex.imitation_rate) {
            let j = &models[index(rng, models.len())];
            let h = Holder {
                practice: Practice {
                    split: j.effort,
                    success: j.payoff,
                },
                motivation: j.motivation,
            };
            if !(j.village == v.id && j.member as usize == i) && persuaded(rng, own, &h, k) {
                source = Some(h);
            }
        }
        // 2. A fellow member of the branch.
        if source.is_none() && active.len() > 1 && bernoulli(rng, ex.branch_contact_rate) {
            // Uniform among the other active members, in order.
            let mut k_other = index(rng, active.len() - 1);
            if k_other >= pos {
                k_other += 1;
            }
            if let Some(h) = held[active[k_other]]
                && persuaded(rng, own, &h, k)
            {
                source = Some(h);
            }
        }
        // 3. A member of the township, as it stood at the end of last month.
        if source.is_none() && met_in_township > 0 && bernoulli(rng, ex.township_contact_rate) {
            let j = index(rng, met_in_township);
            if let Some(h) = township_holders.get(j)
                && persuaded(rng, own, h, k)
            {
                source = Some(*h);
            }
        }
        // 4. A mentor: one of the branch's active models.
        if source.is_none() && mentored && bernoulli(rng, ex.mentoring_contact_rate) {
            let j = mentors[index(rng, mentors.len())];
            if let Some(h) = held[j]
                && persuaded(rng, own, &h, k)
            {
                source = Some(h);
            }
        }
        if let Some(h) = source {
            let m = &mut v.members[i];
            m.practice = Some(h.practice);
            m.motivation += eta * (h.motivation - m.motivation);
            m.disposition += eta * (h.motivation - m.disposition);
        }
    }
    // Mentoring: the branch's own models lift the others' skill.
    if mentors.is_empty() {
        return;
    }
    let tau = ex.mentoring_rate as f32;
    for m in v
        .members
        .iter_mut()
        .filter(|m| m.is_active() && !m.is_model)
    {
        if m.skill < mentor_skill {
            m.skill += tau * (mentor_skill - m.skill);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;
    use crate::model::MemberStatus;

    fn scenario(reach: Reach) -> Scenario {
        let mut s = Scenario::defaults();
        s.exemplary.enabled = true;
        s.exemplary.reach = reach;
        s.exemplary.model_share = 0.1;
        s
    }

    #[test]
    fn fermi_rule_prefers_better_payoffs() {
        assert!(copy_probability(0.1, 0.9, 0.1) > 0.99);
        assert!(copy_probability(0.9, 0.1, 0.1) < 0.01);
        assert!((copy_probability(0.5, 0.5, 0.1) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_board_counts_the_models_of_every_group() {
        let v = build_village(&Scenario::defaults(), 0, 2);
        let model = outside_model(&v, 1.0).groups[0][0];
        let board = ModelBoard {
            groups: vec![vec![model, model], Vec::new(), vec![model]],
        };
        assert_eq!((board.len(), board.is_empty()), (3, false));
        let empty = ModelBoard {
            groups: vec![Vec::new(); 2],
        };
        assert_eq!((empty.len(), empty.is_empty()), (0, true));
    }

    #[test]
    fn models_are_designated_per_group_by_score() {
        let s = scenario(Reach::Branch);
        let mut villages: Vec<_> = (0..3).map(|i| build_village(&s, i, 2)).collect();
        for v in &mut villages {
            for (i, m) in v.members.iter_mut().enumerate() {
                m.score = i as f32;
            }
        }
        let board = designate(&mut villages, &s);
        assert_eq!(board.groups.len(), 3);
        for (g, v) in villages.iter().enumerate() {
            let expect = (0.1 * v.members.len() as f64).ceil() as usize;
            assert_eq!(board.groups[g].len(), expect);
            assert!(v.members.last().unwrap().is_model);
            assert!(
                v.members.last().unwrap().adopted(),
                "a model holds its practice"
            );
        }
        let county = designate(&mut villages, &scenario(Reach::County));
        assert_eq!(county.groups.len(), 1);
    }

    fn run(v: &mut Village, s: &Scenario, board: &ModelBoard, months: usize) {
        for _ in 0..months {
            imitate_and_mentor(
                v,
                &MonthContext {
                    board,
                    ..MonthContext::at_start(s)
                },
                &mut VillageTally::default(),
            );
        }
    }

    fn adopters(v: &Village) -> usize {
        v.members.iter().filter(|m| m.adopted()).count()
    }

    /// A board with one successful model from another village.
    fn outside_model(v: &Village, payoff: f32) -> ModelBoard {
        ModelBoard {
            groups: vec![vec![ModelTraits {
                village: 99,
                member: 0,
                motivation: 0.9,
                effort: v.members[0].effort,
                payoff,
            }]],
        }
    }

    /// No contact channel but the one under test.
    fn quiet(mut s: Scenario) -> Scenario {
        s.exemplary.imitation_rate = 0.0;
        s.exemplary.branch_contact_rate = 0.0;
        s.exemplary.township_contact_rate = 0.0;
        s.exemplary.mentoring_contact_rate = 0.0;
        s.exemplary.abandonment_rate = 0.0;
        s
    }

    #[test]
    fn meeting_a_successful_model_spreads_its_practice_and_motivation() {
        let mut s = quiet(scenario(Reach::Branch));
        s.exemplary.imitation_rate = 0.5;
        let mut v = build_village(&s, 0, 2);
        for m in &mut v.members {
            m.motivation = 0.2;
            m.payoff = 0.0;
        }
        let board = outside_model(&v, 1.0);
        run(&mut v, &s, &board, 24);
        assert_eq!(adopters(&v), v.members.len());
        let mean = v.members.iter().map(|m| m.motivation).sum::<f32>() / v.members.len() as f32;
        assert!(mean > 0.5, "{mean}");
        // Adoption happens once: motivation moved η of the way, no further.
        assert!(mean < 0.56, "{mean}");
        // An unsuccessful model persuades few (Fermi rule).
        let mut w = build_village(&s, 0, 2);
        for m in &mut w.members {
            m.payoff = 1.0;
        }
        let poor = outside_model(&w, 0.0);
        run(&mut w, &s, &poor, 24);
        assert!(adopters(&w) <= 1, "{}", adopters(&w));
    }

    #[test]
    fn the_practice_spreads_from_adopter_to_adopter_within_the_branch() {
        let mut s = quiet(scenario(Reach::Branch));
        let practice = Practice {
            split: EffortSplit {
                real: 0.6,
                formal: 0.2,
                private: 0.2,
            },
            success: 1.0,
        };
        let mut v = build_village(&s, 0, 3);
        for m in &mut v.members {
            m.payoff = 0.0;
        }
        v.members[0].practice = Some(practice);
        let board = ModelBoard::default();
        let mut closed = v.clone();
        run(&mut closed, &s, &board, 12);
        assert_eq!(adopters(&closed), 1, "no contact, no spread");
        s.exemplary.branch_contact_rate = 0.5;
        run(&mut v, &s, &board, 12);
        assert!(adopters(&v) > v.members.len() / 2, "{}", adopters(&v));
        assert!(
            v.members
                .iter()
                .filter_map(|m| m.practice)
                .all(|p| p == practice)
        );
    }

    #[test]
    fn a_fellow_member_is_one_of_the_others_and_adoption_moves_eta_toward_them() {
        // Two active members: member 0 without a practice, member 1 holding
        // one no one can resist; branch contact the only channel.
        let mut s = quiet(scenario(Reach::Branch));
        s.exemplary.branch_contact_rate = 1.0;
        s.exemplary.imitation_temperature = 0.001;
        let mut v = build_village(&s, 0, 3);
        for (i, m) in v.members.iter_mut().enumerate() {
            if i > 1 {
                m.status = MemberStatus::Migrated;
            }
            m.payoff = 0.0;
            m.is_model = false;
        }
        let practice = Practice {
            split: v.members[1].effort,
            success: 10.0,
        };
        v.members[0].practice = None;
        v.members[1].practice = Some(practice);
        (v.members[0].motivation, v.members[0].disposition) = (0.2, 0.1);
        v.members[1].motivation = 0.8;
        let mut alone = v.clone();
        run(&mut v, &s, &ModelBoard::default(), 1);
        // The one other member is met (never member 0 itself).
        let m = &v.members[0];
        assert_eq!(m.practice, Some(practice));
        let eta = s.exemplary.imitation_strength as f32;
        assert_eq!(m.motivation, 0.2 + eta * (0.8 - 0.2));
        assert_eq!(m.disposition, 0.1 + eta * (0.8 - 0.1));
        // A branch of one active member has no fellow to meet, and draws nothing.
        alone.members[1].status = MemberStatus::Migrated;
        let rng = alone.rng.clone();
        run(&mut alone, &s, &ModelBoard::default(), 1);
        assert_eq!(alone.members[0].practice, None);
        assert_eq!(alone.rng, rng);
    }

    #[test]
    fn members_meet_the_models_of_their_own_branch() {
        let mut s = quiet(scenario(Reach::Branch));
        s.exemplary.imitation_rate = 1.0;
        s.exemplary.imitation_temperature = 0.001;
        let mut villages = vec![build_village(&s, 0, 2)];
        for (i, m) in villages[0].members.iter_mut().enumerate() {
            m.score = i as f32;
            m.payoff = if i == 0 { 0.0 } else { 10.0 };
            m.status = MemberStatus::Active;
        }
        let board = designate(&mut villages, &s);
        let v = &mut villages[0];
        assert!(!v.members[0].is_model && !board.is_empty());
        v.members[0].practice = None;
        run(v, &s, &board, 1);
        assert!(
            v.members[0].adopted(),
            "member 0 meets a model of its own village"
        );
    }

    #[test]
    fn township_contacts_reach_branches_without_holders() {
        let mut s = quiet(scenario(Reach::Township));
        s.exemplary.township_contact_rate = 0.5;
        let mut villages: Vec<_> = (0..2).map(|i| build_village(&s, i, 4)).collect();
        villages[0].members[0].practice = Some(Practice {
            split: villages[0].members[0].effort,
            success: 5.0,
        });
        let contacts = township_contacts(&villages, &s);
        assert_eq!(contacts.holders[0].len(), 1);
        let ctx = MonthContext {
            contacts: &contacts,
            ..MonthContext::at_start(&s)
        };
        let mut v = villages[1].clone();
        for _ in 0..24 {
            imitate_and_mentor(&mut v, &ctx, &mut VillageTally::default());
        }
        assert!(adopters(&v) > 0);
        // Without township contacts the other branch never hears of it.
        s.exemplary.township_contact_rate = 0.0;
        assert_eq!(
            township_contacts(&villages, &s),
            TownshipContacts::default()
        );
    }

    #[test]
    fn adopters_abandon_at_a_rate_and_the_switch_clears_the_practice() {
        let mut s = quiet(scenario(Reach::Branch));
        s.exemplary.abandonment_rate = 1.0;
        let mut v = build_village(&s, 0, 5);
        let p = Practice {
            split: v.members[0].effort,
            success: 0.0,
        };
        for m in &mut v.members {
            m.practice = Some(p);
        }
        v.members[1].is_model = true;
        run(&mut v, &s, &ModelBoard::default(), 1);
        assert_eq!(adopters(&v), 1, "models keep their practice");
        s.exemplary.enabled = false;
        run(&mut v, &s, &ModelBoard::default(), 1);
        assert_eq!(adopters(&v), 0);
    }

    #[test]
    fn an_adopted_practice_pulls_the_effort_split_toward_the_models() {
        // Hitch-hiking: a formal-heavy practice raises the adopter's formal time.
        let s = scenario(Reach::Branch);
        let mut v = build_village(&s, 0, 6);
        let mut with = v.clone();
        for m in &mut with.members {
            m.practice = Some(Practice {
                split: EffortSplit {
                    real: 0.1,
                    formal: 0.8,
                    private: 0.1,
                },
                success: 1.0,
            });
        }
        let ctx = MonthContext::at_start(&s);
        for _ in 0..12 {
            crate::rules::effort::choose(&mut v, &ctx, &mut VillageTally::default());
            crate::rules::effort::choose(&mut with, &ctx, &mut VillageTally::default());
        }
        let formal = |v: &Village| v.members.iter().map(|m| m.effort.formal).sum::<f32>();
        assert!(
            formal(&with) > formal(&v) + 0.5,
            "{} {}",
            formal(&with),
            formal(&v)
        );
        // With β = 0 the practice is known but not acted on.
        let mut s0 = s.clone();
        s0.exemplary.practice_weight = 0.0;
        let mut a = build_village(&s0, 0, 6);
        let mut b = a.clone();
        b.members[0].practice = with.members[0].practice;
        let ctx0 = MonthContext::at_start(&s0);
        crate::rules::effort::choose(&mut a, &ctx0, &mut VillageTally::default());
        crate::rules::effort::choose(&mut b, &ctx0, &mut VillageTally::default());
        assert_eq!(a.members[0].effort, b.members[0].effort);
    }

    #[test]
    fn members_below_the_models_mean_skill_are_mentored_and_no_one_else() {
        // Two models of skill 0.6 and 0.8 (mean s̄_M = 0.7) holding a
        // practice no one can resist; a weak member, one at exactly s̄_M, a
        // weak one away and strong ones; mentoring the only contact.
        let mut s = quiet(scenario(Reach::Branch));
        s.exemplary.mentoring_contact_rate = 1.0;
        s.exemplary.mentoring_rate = 0.5;
        s.exemplary.imitation_temperature = 0.001;
        let mut v = build_village(&s, 0, 2);
        let mean = (0.6f32 + 0.8) / 2.0;
        for (i, m) in v.members.iter_mut().enumerate() {
            m.payoff = 0.0;
            m.practice = None;
            m.is_model = i < 2;
            m.skill = match i {
                0 => 0.6,
                1 => 0.8,
                2 => 0.2,
                3 => mean,
                4 => 0.1,
                _ => 0.9,
            };
            if i == 4 {
                m.status = MemberStatus::Migrated;
            }
            if m.is_model {
                m.practice = Some(Practice {
                    split: m.effort,
                    success: 10.0,
                });
            }
        }
        run(&mut v, &s, &ModelBoard::default(), 1);
        let weak = &v.members[2];
        assert!(weak.adopted(), "the weak member meets a mentor");
        assert_eq!(weak.skill, 0.2 + 0.5 * (mean - 0.2));
        assert!(!v.members[3].adopted() && v.members[3].skill == mean);
        // Models and members away are not mentored.
        assert_eq!((v.members[0].skill, v.members[4].skill), (0.6, 0.1));
        for m in &v.members[5..] {
            assert!(!m.adopted() && m.skill == 0.9);
        }
    }

    #[test]
    fn mentoring_raises_the_weakest_skill() {
        let s = scenario(Reach::Branch);
        let mut v = build_village(&s, 0, 2);
        v.members[0].skill = 0.95;
        v.members[0].is_model = true;
        let before = v.members.iter().map(|m| m.skill).fold(1.0f32, f32::min);
        imitate_and_mentor(
            &mut v,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        let after = v.members.iter().map(|m| m.skill).fold(1.0f32, f32::min);
        assert!(after > before);
    }
}
