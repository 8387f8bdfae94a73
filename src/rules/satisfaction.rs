//! Household satisfaction and trust (`docs/model.md` §7.6).
//!
//! In a month with needs (r + o + a > 0) a household's experience is
//! `x = (r + γ·V) / (r + o + a + γ·V)`, with r needs resolved, o still open,
//! a given up, and V = √e_R of its contact member (a visit, 0 without an
//! active contact): the visit counts like a served need of weight γ·V, so it
//! softens unmet needs and never lowers the experience. Felt experience is
//! min(1, x / E) for the village's expectation E (§7.9). Satisfaction
//! follows it: S ← S + α_S·(min(1, x/E) − S) (no update in a month without
//! needs), and trust follows satisfaction slowly: T ← T + α_T·(S − T)
//! (eqs. 7.6.1–7.6.3).

use crate::metrics::VillageTally;
use crate::model::{Household, Village};
use crate::rules::{ContactSlots, MonthContext, select_f32};

/// Update every household's satisfaction and trust.
pub fn update(v: &mut Village, ctx: &MonthContext<'_>, _tally: &mut VillageTally) {
    let s = ctx.policy;
    let gamma = s.households.visit_weight as f32;
    let alpha_s = s.households.satisfaction_rate as f32;
    let alpha_t = s.households.trust_rate as f32;
    let n = v.members.len();
    // (V, γ) of each contact, once per member; (0, 0) without a contact.
    let mut seen = ContactSlots::<(f32, f32)>::for_members(n);
    for (slot, m) in seen.iter_mut().zip(&v.members) {
        let visit = select_f32(m.is_active(), m.effort.real_output(), 0.0);
        *slot = (visit, gamma);
    }
    let seen: &[(f32, f32)] = &seen;
    // E, floored once per village (its floor keeps felt experience finite).
    let expectation = v.expectation.max(1e-6);
    // Households in blocks of [`BLOCK`]: each block's inputs are gathered
    // into arrays, the arithmetic runs lane by lane over the arrays (the
    // compiler issues it as vector instructions, four households per
    // division in the default x86-64 build, eight with AVX; each lane's
    // operations and rounding are those of one household alone, so the
    // results are those of a household-by-household loop, NaN payloads
    // aside, which Rust leaves unspecified) and the results are written
    // back.
    let mut blocks = v.households.chunks_exact_mut(BLOCK);
    let rates = (alpha_s, alpha_t);
    for block in &mut blocks {
        update_block(block, seen, n, expectation, rates);
    }
    let rest = blocks.into_remainder();
    if !rest.is_empty() {
        update_block(rest, seen, n, expectation, rates);
    }
}

/// Households per block of [`update`].
const BLOCK: usize = 8;

/// Eqs. 7.6.1–7.6.3 for up to [`BLOCK`] households of a village with
/// expectation E = `expectation` (already floored at 1e-6), `seen` holding each contact slot's
/// (V, γ) and `rates` (α_S, α_T); lanes beyond the households compute on
/// neutral values and are not written back.
#[inline]
fn update_block(
    households: &mut [Household],
    seen: &[(f32, f32)],
    n: usize,
    expectation: f32,
    (alpha_s, alpha_t): (f32, f32),
) {
    debug_assert!(households.len() <= BLOCK);
    let mut r = [0.0f32; BLOCK];
    let mut unmet = [0.0f32; BLOCK];
    let mut visit = [0.0f32; BLOCK];
    let mut weight = [0.0f32; BLOCK];
    let mut satisfaction = [0.0f32; BLOCK];
    let mut trust = [0.0f32; BLOCK];
    for (h, k) in households.iter().zip(0..BLOCK) {
        r[k] = f32::from(h.resolved_this_month);
        unmet[k] = h.open_total() as f32 + f32::from(h.abandoned_this_month);
        (visit[k], weight[k]) = seen[h.contact_slot(n)];
        satisfaction[k] = h.satisfaction;
        trust[k] = h.trust;
    }
    for k in 0..BLOCK {
        // Computed for every household and kept only in a month with
        // needs, without a branch (whether a household had needs is
        // random). Without needs the denominator may be 0: its floor
        // keeps x finite (0 or 1), and a zero step leaves S as it was.
        let served = r[k] + weight[k] * visit[k];
        let x = served / (r[k] + unmet[k] + weight[k] * visit[k]).max(f32::MIN_POSITIVE);
        let felt = (x / expectation).min(1.0);
        let step = alpha_s * (felt - satisfaction[k]);
        let s = satisfaction[k] + select_f32(r[k] + unmet[k] > 0.0, step, 0.0);
        trust[k] = (trust[k] + alpha_t * (s - trust[k])).clamp(0.0, 1.0);
        satisfaction[k] = s.clamp(0.0, 1.0);
    }
    for (h, k) in households.iter_mut().zip(0..BLOCK) {
        h.satisfaction = satisfaction[k];
        h.trust = trust[k];
    }
}

/// Refresh what each member knows of their households (mean trust, mean
/// satisfaction, share with unmet needs): used by the effort choice next
/// month and as the member's mass evaluation.
pub fn refresh_contact_views(v: &mut Village, _ctx: &MonthContext<'_>, _tally: &mut VillageTally) {
    let n = v.members.len();
    // Sums of trust, satisfaction and households with unmet needs by
    // contact, household by household (the last slot: no contact).
    let mut sums = ContactSlots::<(f32, f32, f32)>::for_members(n);
    // The branch's mean satisfaction (`Village::mean_satisfaction`), summed
    // in the same pass, in the same order and from the same start (−0, as
    // `Sum` for `f32` starts).
    let mut all_satisfaction = -0.0f32;
    let sums_of: &mut [(f32, f32, f32)] = &mut sums;
    for h in &v.households {
        let sum = &mut sums_of[h.contact_slot(n)];
        sum.0 += h.trust;
        sum.1 += h.satisfaction;
        sum.2 += f32::from(u8::from(h.has_unmet()));
        all_satisfaction += h.satisfaction;
    }
    for (m, &(trust, satisfaction, unmet)) in v.members.iter_mut().zip(sums.iter()) {
        m.contact_trust = trust;
        m.contact_satisfaction = satisfaction;
        m.unmet_share = unmet;
    }
    let branch_mean = if v.households.is_empty() {
        0.0
    } else {
        all_satisfaction / v.households.len() as f32
    };
    for m in &mut v.members {
        // Means over the member's households, or the branch's mean
        // satisfaction for a member without households (selects, not
        // branches; with no households the sums are 0 and stay so).
        let assigned = m.assigned > 0;
        let n = f32::from(m.assigned.max(1));
        m.contact_trust /= n;
        m.unmet_share /= n;
        m.contact_satisfaction = select_f32(assigned, m.contact_satisfaction / n, branch_mean);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;
    use crate::scenario::Scenario;

    fn after(resolved: u16, open: u16) -> (f32, f32) {
        let s = Scenario::defaults();
        let mut v = build_village(&s, 0, 2);
        for h in &mut v.households {
            h.resolved_this_month = resolved;
            h.open_needs = [open, 0, 0, 0];
        }
        update(
            &mut v,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        let h = &v.households[0];
        (h.satisfaction, h.trust)
    }

    #[test]
    fn resolving_needs_raises_satisfaction_and_unmet_needs_lower_it() {
        let start = Scenario::defaults().world.initial_satisfaction as f32;
        let (up, _) = after(3, 0);
        let (down, _) = after(0, 3);
        assert!(up > start && down < start, "{up} {down}");
    }

    #[test]
    fn trust_follows_satisfaction() {
        let s = Scenario::defaults();
        let mut v = build_village(&s, 0, 2);
        v.households[0].satisfaction = 0.9;
        v.households[0].trust = 0.2;
        v.households[0].contact = crate::model::NO_CONTACT;
        update(
            &mut v,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        assert!(v.households[0].trust > 0.2);
    }

    #[test]
    fn higher_expectations_satisfy_less() {
        let s = Scenario::defaults();
        let mut a = build_village(&s, 0, 2);
        let mut b = a.clone();
        for (ha, hb) in a.households.iter_mut().zip(b.households.iter_mut()) {
            ha.resolved_this_month = 1;
            ha.open_needs = [1, 0, 0, 0];
            *hb = *ha;
        }
        b.expectation = 1.5;
        update(
            &mut a,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        update(
            &mut b,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        assert!(b.households[0].satisfaction < a.households[0].satisfaction);
    }

    #[test]
    fn a_contacts_visit_softens_unmet_needs_and_never_lowers_satisfaction() {
        let s = Scenario::defaults();
        let mut v = build_village(&s, 0, 2);
        v.expectation = 1.0;
        for (k, h) in v.households.iter_mut().enumerate() {
            h.satisfaction = 0.5;
            h.resolved_this_month = 1;
            h.open_needs = [1, 0, 0, 0];
            if k % 2 == 1 {
                h.contact = crate::model::NO_CONTACT;
            }
        }
        v.members[v.households[0].contact as usize].effort.real = 0.25;
        update(
            &mut v,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        let (visited, alone) = (v.households[0].satisfaction, v.households[1].satisfaction);
        assert!(visited > alone, "{visited} {alone}");
        // All needs met: a visit adds nothing and takes nothing away.
        let mut w = build_village(&s, 0, 2);
        w.expectation = 1.0;
        for h in &mut w.households {
            h.satisfaction = 0.5;
            h.resolved_this_month = 2;
            h.open_needs = [0; 4];
        }
        update(
            &mut w,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        assert!(
            w.households
                .iter()
                .all(|h| (h.satisfaction - 0.6).abs() < 1e-6)
        );
    }

    /// Eqs. 7.6.1–7.6.3 for one household (`docs/model.md` §7.6), with the
    /// code's floors of the denominators (`f32::MIN_POSITIVE`, 1e-6) and
    /// a branch for the month without needs: the reference the blocks of
    /// [`update`] must match to the bit. `expectation` is the village's E.
    fn one_household(h: &mut Household, visit: f32, expectation: f32, s: &Scenario) {
        let gamma = s.households.visit_weight as f32;
        let r = f32::from(h.resolved_this_month);
        let unmet = h.open_total() as f32 + f32::from(h.abandoned_this_month);
        if r + unmet > 0.0 {
            let x = (r + gamma * visit) / (r + unmet + gamma * visit).max(f32::MIN_POSITIVE);
            let felt = (x / expectation.max(1e-6)).min(1.0);
            h.satisfaction += s.households.satisfaction_rate as f32 * (felt - h.satisfaction);
        }
        h.trust += s.households.trust_rate as f32 * (h.satisfaction - h.trust);
        h.satisfaction = h.satisfaction.clamp(0.0, 1.0);
        h.trust = h.trust.clamp(0.0, 1.0);
    }

    #[test]
    fn blocks_of_households_update_as_each_household_alone_to_the_bit() {
        use crate::random::{index, stream, uniform};
        let s = Scenario::defaults();
        let mut rng = stream(11, 0);
        // Village sizes around the block size: none, no full block, whole
        // blocks, and whole blocks with a remainder; each with an
        // expectation in [0.5, 1.5), and once at 0, under its floor.
        for (case, households) in [0, 1, 7, 8, 9, 16, 23, 150, 150].into_iter().enumerate() {
            let mut v = build_village(&s, 0, 2);
            v.expectation = if case == 8 {
                0.0
            } else {
                0.5 + uniform(&mut rng) as f32
            };
            let first = v.households[0];
            v.households.truncate(households);
            while v.households.len() < households {
                v.households.push(first);
            }
            v.members[1].status = crate::model::MemberStatus::Migrated;
            for h in &mut v.households {
                h.resolved_this_month = index(&mut rng, 3) as u16;
                h.abandoned_this_month = index(&mut rng, 2) as u16;
                h.open_needs = [0, 1, 0, 2].map(|k| index(&mut rng, k + 1) as u16);
                h.satisfaction = uniform(&mut rng) as f32;
                h.trust = uniform(&mut rng) as f32;
                h.contact = match index(&mut rng, 3) {
                    0 => crate::model::NO_CONTACT,
                    _ => index(&mut rng, v.members.len()) as u16,
                };
                // Now and then values outside their ranges, where the
                // clamps bind (trust must follow S before S is clamped),
                // and the largest counts.
                match index(&mut rng, 5) {
                    0 => h.satisfaction = 1.5,
                    1 => h.trust = -0.25,
                    2 => h.open_needs[0] = u16::MAX,
                    _ => {}
                }
            }
            let mut expected = v.households.clone();
            for h in &mut expected {
                let visit = match h.contact {
                    crate::model::NO_CONTACT => 0.0,
                    c if !v.members[usize::from(c)].is_active() => 0.0,
                    c => v.members[usize::from(c)].effort.real_output(),
                };
                one_household(h, visit, v.expectation, &s);
            }
            update(
                &mut v,
                &MonthContext::at_start(&s),
                &mut VillageTally::default(),
            );
            for (got, want) in v.households.iter().zip(&expected) {
                assert_eq!(got.satisfaction.to_bits(), want.satisfaction.to_bits());
                assert_eq!(got.trust.to_bits(), want.trust.to_bits());
            }
        }
    }

    #[test]
    fn a_month_without_needs_leaves_satisfaction_alone_covered_or_not() {
        let s = Scenario::defaults();
        let mut v = build_village(&s, 0, 2);
        for h in &mut v.households {
            h.satisfaction = 0.7;
            h.open_needs = [0; 4];
            h.resolved_this_month = 0;
            h.abandoned_this_month = 0;
        }
        update(
            &mut v,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        assert!(v.households.iter().all(|h| h.satisfaction == 0.7));
        assert!(v.households.iter().any(|h| h.is_covered()));
    }

    #[test]
    fn a_member_without_households_sees_the_branch_mean_to_the_bit() {
        let s = Scenario::defaults();
        for zero in [0.0f32, -0.0] {
            let mut v = build_village(&s, 0, 2);
            v.release_contacts_of(&[0]);
            for (i, h) in v.households.iter_mut().enumerate() {
                h.satisfaction = if zero.is_sign_negative() {
                    -0.0
                } else {
                    0.1 + (i % 7) as f32 * 0.13
                };
            }
            refresh_contact_views(
                &mut v,
                &MonthContext::at_start(&s),
                &mut VillageTally::default(),
            );
            assert_eq!(v.members[0].assigned, 0);
            assert_eq!(
                v.members[0].contact_satisfaction.to_bits(),
                v.mean_satisfaction().to_bits()
            );
        }
    }

    /// §7.6, last paragraph: each member's T̄_i, S̄_i and u_i are the means
    /// over the households whose contact the member is (u_i counting open
    /// needs or needs given up this month); a member with no households gets
    /// T̄_i = 0, u_i = 0 and S̄_i = the mean satisfaction of all households;
    /// households without a contact count for no member.
    #[test]
    fn contact_views_are_means_over_each_members_households() {
        let s = Scenario::defaults();
        let mut v = build_village(&s, 0, 2);
        assert!(v.members.len() >= 3 && v.households.len() >= 4);
        for m in &mut v.members {
            // Stale views from last month, to be replaced.
            (m.contact_trust, m.contact_satisfaction, m.unmet_share) = (9.0, 9.0, 9.0);
            m.assigned = 0;
        }
        for h in &mut v.households {
            // Uncovered households, unmet and trusting: they count for no member.
            h.contact = crate::model::NO_CONTACT;
            (h.trust, h.satisfaction) = (1.0, 0.25);
            h.open_needs = [1, 0, 0, 0];
        }
        // Member 0: two households, one with an open need, one without.
        // Member 1: one household that gave a need up this month.
        let set = [
            (0u16, 0.2, 0.4, 1, 0),
            (0, 0.6, 0.8, 0, 0),
            (1, 0.5, 0.3, 0, 1),
        ];
        for (h, &(c, t, sat, open, gave_up)) in v.households.iter_mut().zip(&set) {
            h.contact = c;
            (h.trust, h.satisfaction) = (t, sat);
            h.open_needs = [open, 0, 0, 0];
            h.abandoned_this_month = gave_up;
        }
        (v.members[0].assigned, v.members[1].assigned) = (2, 1);
        refresh_contact_views(
            &mut v,
            &MonthContext::at_start(&s),
            &mut VillageTally::default(),
        );
        let close = |a: f32, b: f32| (a - b).abs() < 1e-6;
        let m0 = &v.members[0];
        assert!(close(m0.contact_trust, 0.4), "{}", m0.contact_trust);
        assert!(
            close(m0.contact_satisfaction, 0.6),
            "{}",
            m0.contact_satisfaction
        );
        assert!(close(m0.unmet_share, 0.5), "{}", m0.unmet_share);
        let m1 = &v.members[1];
        assert!(close(m1.contact_trust, 0.5), "{}", m1.contact_trust);
        assert!(
            close(m1.contact_satisfaction, 0.3),
            "{}",
            m1.contact_satisfaction
        );
        assert!(close(m1.unmet_share, 1.0), "{}", m1.unmet_share);
        let mean = v.mean_satisfaction();
        for m in &v.members[2..] {
            assert_eq!((m.contact_trust, m.unmet_share), (0.0, 0.0));
            assert!(close(m.contact_satisfaction, mean));
        }
    }
}
