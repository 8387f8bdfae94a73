//! Exemplary models (`docs/model.md` §7.7).
//!
//! At each assessment the top share of active members by score within each
//! reach group (branch, township or county) is designated as models and
//! publicised (one honour each). Every month each other active member, with
//! probability r, picks one model of their group at random and copies them
//! with the Fermi probability P = 1 / (1 + exp(−(π_j − π_i)/K)), where π is
//! the payoff of the last period: motivation, lasting disposition and effort
//! split move a share η toward the model's (θ̂ toward the model's θ). Strong members also help weak ones: each month a
//! member whose skill is below the mean skill s̄_M of their own branch's
//! models closes a share τ of the gap (no mentoring in a branch without models).

use crate::metrics::VillageTally;
use crate::model::{EffortSplit, Village};
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
    /// Effort split.
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

/// Fermi probability that a member with payoff `own` copies one with `model`.
pub fn copy_probability(own: f32, model: f32, temperature: f64) -> f64 {
    1.0 / (1.0 + (-(f64::from(model) - f64::from(own)) / temperature).exp())
}

/// Monthly imitation of models and mentoring within the branch.
pub fn imitate_and_mentor(v: &mut Village, ctx: &MonthContext<'_>, _tally: &mut VillageTally) {
    let s = ctx.policy;
    let board = ctx.board;
    let ex = &s.exemplary;
    if !ex.enabled {
        return;
    }
    let group = group_of(v, ex.reach);
    let models: &[ModelTraits] = board.groups.get(group).map(Vec::as_slice).unwrap_or(&[]);
    let eta = ex.imitation_strength as f32;
    if !models.is_empty() {
        for (i, m) in v.members.iter_mut().enumerate() {
            if !m.is_active() || m.is_model || !bernoulli(&mut v.rng, ex.imitation_rate) {
                continue;
            }
            let j = &models[index(&mut v.rng, models.len())];
            if j.village == v.id && j.member as usize == i {
                continue;
            }
            if bernoulli(
                &mut v.rng,
                copy_probability(m.payoff, j.payoff, ex.imitation_temperature),
            ) {
                m.motivation += eta * (j.motivation - m.motivation);
                m.disposition += eta * (j.motivation - m.disposition);
                m.effort.move_toward(&j.effort, eta);
            }
        }
    }
    // Mentoring: the branch's own models lift the others' skill.
    let (sum, n) = v
        .members
        .iter()
        .filter(|m| m.is_active() && m.is_model)
        .fold((0.0f32, 0u32), |(s, n), m| (s + m.skill, n + 1));
    if n == 0 {
        return;
    }
    let mentor_skill = sum / n as f32;
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
        }
        let county = designate(&mut villages, &scenario(Reach::County));
        assert_eq!(county.groups.len(), 1);
    }

    #[test]
    fn imitation_spreads_a_successful_models_motivation() {
        let s = scenario(Reach::Branch);
        let mut v = build_village(&s, 0, 2);
        for m in &mut v.members {
            m.motivation = 0.2;
            m.payoff = 0.0;
        }
        let board = ModelBoard {
            groups: vec![vec![ModelTraits {
                village: 99,
                member: 0,
                motivation: 0.9,
                effort: v.members[0].effort,
                payoff: 1.0,
            }]],
        };
        for _ in 0..24 {
            imitate_and_mentor(
                &mut v,
                &MonthContext {
                    board: &board,
                    ..MonthContext::at_start(&s)
                },
                &mut VillageTally::default(),
            );
        }
        let mean = v.members.iter().map(|m| m.motivation).sum::<f32>() / v.members.len() as f32;
        assert!(mean > 0.5, "{mean}");
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
