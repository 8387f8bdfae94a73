//! Supervision (`docs/model.md` §7.5): inspection from above and mass
//! supervision from below, with sanctions.
//!
//! 1. Mass reports: a covered household with unmet needs this month reports
//!    its contact member with probability μ·T.
//! 2. A member is inspected with probability I(t); a member with at least M
//!    reports is investigated. An inspection checks records: it finds
//!    shirking with probability (1 − √e_R)·(1 − r_C·√e_F) and formalism with
//!    probability χ·√e_F; an investigation finds
//!    them with probabilities 1 − √e_R and √e_F. Each finding is one sanction.
//! 3. A reporting household's trust rises by δ⁺ if its contact member was
//!    sanctioned and falls by δ⁻ if nothing happened.

use crate::metrics::VillageTally;
use crate::model::Village;
use crate::random::bernoulli;
use crate::rules::{MonthContext, Picked, crowding, select_f32};

/// Run this month's reports, inspections, investigations and sanctions.
pub fn supervise(v: &mut Village, ctx: &MonthContext<'_>, tally: &mut VillageTally) {
    let s = ctx.policy;
    for m in &mut v.members {
        m.reports = 0;
        m.sanctions_this_month = 0;
    }
    let sup = &s.supervision;
    if !sup.enabled {
        return;
    }
    let rng = &mut v.rng;

    // 1. Mass reports. The households that may report (covered, with
    // unmet needs) are picked first and then drawn for in their order, the
    // same draws as a branch on each household would make, without that
    // branch (`rules::Picked`).
    let mu = sup.mass_supervision;
    let mut may_report = Picked::with_room(v.households.len());
    let mut picker = may_report.picker();
    for (i, h) in v.households.iter_mut().enumerate() {
        h.reported = false;
        picker.offer(i, h.is_covered() & h.has_unmet());
    }
    picker.finish();
    for i in may_report.indices() {
        let h = &mut v.households[i];
        let reported = bernoulli(rng, mu * f64::from(h.trust));
        h.reported = reported;
        let m = &mut v.members[h.contact as usize];
        m.reports = m.reports.saturating_add(u16::from(reported));
        tally.reports += u64::from(reported);
    }

    // 2. Inspections, investigations, sanctions.
    for m in v.members.iter_mut().filter(|m| m.is_active()) {
        let shirk = 1.0 - f64::from(m.effort.real_output());
        let formal = f64::from(m.effort.formal_output());
        let mut findings = 0u16;
        if bernoulli(rng, ctx.inspection) {
            tally.inspections += 1;
            tally.cost += sup.inspection_cost;
            crowding::after_inspection(m, s);
            let covered = sup.records_check * formal;
            findings += u16::from(bernoulli(rng, shirk * (1.0 - covered)));
            findings += u16::from(bernoulli(rng, sup.inspection_sees_formalism * formal));
        }
        if u32::from(m.reports) >= sup.report_threshold {
            findings += u16::from(bernoulli(rng, shirk));
            findings += u16::from(bernoulli(rng, formal));
        }
        if findings > 0 {
            m.sanctions_this_month = findings;
            m.sanctions = m.sanctions.saturating_add(findings);
            m.period.sanctions = m.period.sanctions.saturating_add(findings);
            tally.sanctions += u64::from(findings);
        }
    }

    // 3. Accountability feeds back on trust: only households that may
    // have reported did, and the others keep their trust (a select, not a
    // branch).
    let (gain, loss) = (sup.trust_gain as f32, sup.trust_loss as f32);
    for i in may_report.indices() {
        let h = &mut v.households[i];
        let acted = v.members[h.contact as usize].sanctions_this_month > 0;
        // t − δ⁻ is t + (−δ⁻) exactly.
        let answered = (h.trust + select_f32(acted, gain, -loss)).clamp(0.0, 1.0);
        h.trust = select_f32(h.reported, answered, h.trust);
        h.reported = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build_village;
    use crate::model::EffortSplit;
    use crate::scenario::Scenario;

    fn sanctions(effort: EffortSplit, inspection: f64, mass: f64) -> u64 {
        sanctions_with(effort, inspection, mass, |_| {})
    }

    fn sanctions_with(
        effort: EffortSplit,
        inspection: f64,
        mass: f64,
        edit: impl Fn(&mut Scenario),
    ) -> u64 {
        let mut s = Scenario::defaults();
        s.supervision.mass_supervision = mass;
        edit(&mut s);
        let mut v = build_village(&s, 0, 9);
        let mut t = VillageTally::default();
        for month in 0..24 {
            for m in &mut v.members {
                m.effort = effort;
            }
            for h in &mut v.households {
                h.open_needs = [1, 0, 0, 0];
                h.trust = 0.8;
            }
            supervise(
                &mut v,
                &MonthContext {
                    month,
                    inspection,
                    burn_in: false,
                    ..MonthContext::at_start(&s)
                },
                &mut t,
            );
        }
        t.sanctions
    }

    const SHIRKER: EffortSplit = EffortSplit {
        real: 0.05,
        formal: 0.05,
        private: 0.9,
    };
    const DILIGENT: EffortSplit = EffortSplit {
        real: 0.8,
        formal: 0.05,
        private: 0.15,
    };
    const FORMALIST: EffortSplit = EffortSplit {
        real: 0.1,
        formal: 0.6,
        private: 0.3,
    };

    #[test]
    fn records_cover_for_missing_service_at_inspections() {
        let found = |check: f64| {
            sanctions_with(FORMALIST, 0.5, 0.0, |s| {
                s.supervision.records_check = check;
                s.supervision.inspection_sees_formalism = 0.0;
            })
        };
        assert!(found(0.9) < found(0.0), "{} {}", found(0.9), found(0.0));
    }

    #[test]
    fn more_inspection_finds_more_shirking() {
        assert!(sanctions(SHIRKER, 0.3, 0.0) > sanctions(SHIRKER, 0.05, 0.0));
    }

    #[test]
    fn shirkers_are_sanctioned_more_than_diligent_members() {
        assert!(sanctions(SHIRKER, 0.2, 0.05) > sanctions(DILIGENT, 0.2, 0.05));
    }

    #[test]
    fn mass_supervision_finds_formalism_that_inspection_misses() {
        let by_inspection = sanctions(FORMALIST, 0.2, 0.0);
        let by_masses = sanctions(FORMALIST, 0.0, 0.2);
        assert!(by_masses > 0 && by_inspection > 0);
        assert!(sanctions(FORMALIST, 0.2, 0.2) > by_inspection);
    }

    /// A village whose members all split their effort as `effort` and whose
    /// households, each with one open need and the given trust, report at
    /// the first chance (mass supervision 1, threshold 1).
    fn village_that_reports(effort: EffortSplit, trust: f32) -> (Scenario, Village) {
        let mut s = Scenario::defaults();
        s.supervision.mass_supervision = 1.0;
        s.supervision.report_threshold = 1;
        let mut v = build_village(&s, 0, 9);
        for m in &mut v.members {
            m.effort = effort;
        }
        for h in &mut v.households {
            h.open_needs = [1, 0, 0, 0];
            h.trust = trust;
        }
        (s, v)
    }

    fn mean_trust_after_reports(effort: EffortSplit) -> f32 {
        let (s, mut v) = village_that_reports(effort, 0.5);
        let mut t = VillageTally::default();
        supervise(
            &mut v,
            &MonthContext {
                month: 0,
                inspection: 0.0,
                burn_in: false,
                ..MonthContext::at_start(&s)
            },
            &mut t,
        );
        assert!(t.reports > 0);
        let covered: Vec<f32> = v
            .households
            .iter()
            .filter(|h| h.is_covered())
            .map(|h| h.trust)
            .collect();
        covered.iter().sum::<f32>() / covered.len() as f32
    }

    #[test]
    fn reports_that_lead_to_sanctions_raise_trust_and_ignored_reports_lower_it() {
        let formalist = EffortSplit {
            real: 0.0,
            formal: 1.0,
            private: 0.0,
        };
        let diligent = EffortSplit {
            real: 1.0,
            formal: 0.0,
            private: 0.0,
        };
        assert!(mean_trust_after_reports(formalist) > 0.5);
        assert!(mean_trust_after_reports(diligent) < 0.5);
    }

    /// Inspect every active member each month for `months` months with
    /// nobody reporting: (inspections, sanctions, cost).
    fn inspected(
        effort: EffortSplit,
        months: u32,
        edit: impl Fn(&mut Scenario),
    ) -> (u64, u64, f64) {
        let mut s = Scenario::defaults();
        s.supervision.mass_supervision = 0.0;
        edit(&mut s);
        let mut v = build_village(&s, 0, 9);
        let mut t = VillageTally::default();
        for month in 0..months {
            for m in &mut v.members {
                m.effort = effort;
            }
            supervise(
                &mut v,
                &MonthContext {
                    month,
                    inspection: 1.0,
                    ..MonthContext::at_start(&s)
                },
                &mut t,
            );
        }
        (t.inspections, t.sanctions, t.cost)
    }

    /// An inspection finds shirking with probability (1 − √e_R)·(1 − r_C·√e_F)
    /// and formalism with probability χ·√e_F (§7.5, step 2): the sanctions
    /// per inspection match their sum.
    #[test]
    fn inspections_find_shirking_and_formalism_at_their_rates() {
        let effort = EffortSplit {
            real: 0.25,
            formal: 0.25,
            private: 0.5,
        };
        let (inspections, sanctions, _) = inspected(effort, 120, |s| {
            s.supervision.records_check = 0.5;
            s.supervision.inspection_sees_formalism = 0.4;
        });
        // (1 − 0.5)·(1 − 0.5·0.5) + 0.4·0.5
        let expected = 0.5 * 0.75 + 0.2;
        let per_inspection = sanctions as f64 / inspections as f64;
        // Four standard errors of the mean.
        let tolerance = 4.0 * (0.375 * 0.625 + 0.2 * 0.8f64).sqrt() / (inspections as f64).sqrt();
        assert!(
            (per_inspection - expected).abs() < tolerance,
            "{per_inspection} {expected} ± {tolerance}"
        );
    }

    /// Records cover only as far as there is formal activity (r_C·√e_F):
    /// a member without formal effort is found shirking alike whatever r_C.
    #[test]
    fn records_cover_nothing_without_formal_activity() {
        let found = |check: f64| {
            inspected(SHIRKER_WITHOUT_RECORDS, 24, |s| {
                s.supervision.records_check = check
            })
            .1
        };
        assert!(found(0.0) > 0);
        assert_eq!(found(0.9), found(0.0));
    }

    const SHIRKER_WITHOUT_RECORDS: EffortSplit = EffortSplit {
        real: 0.05,
        formal: 0.0,
        private: 0.95,
    };

    /// An investigation finds shirking with probability 1 − √e_R and
    /// formalism with probability √e_F, one sanction each (§7.5, step 2):
    /// a reported member doing only paperwork is sanctioned twice, one
    /// doing only real service not at all.
    #[test]
    fn an_investigation_sanctions_shirking_and_formalism_each() {
        let investigated = |effort: EffortSplit| {
            let (s, mut v) = village_that_reports(effort, 1.0);
            let ctx = MonthContext {
                inspection: 0.0,
                ..MonthContext::at_start(&s)
            };
            supervise(&mut v, &ctx, &mut VillageTally::default());
            let reported: Vec<u16> = v
                .members
                .iter()
                .filter(|m| m.is_active() && m.reports > 0)
                .map(|m| m.sanctions_this_month)
                .collect();
            assert!(!reported.is_empty());
            reported
        };
        let paperwork = EffortSplit {
            real: 0.0,
            formal: 1.0,
            private: 0.0,
        };
        let service = EffortSplit {
            real: 1.0,
            formal: 0.0,
            private: 0.0,
        };
        assert!(investigated(paperwork).iter().all(|&k| k == 2));
        assert!(investigated(service).iter().all(|&k| k == 0));
    }

    /// Every inspection costs `inspection_cost`.
    #[test]
    fn each_inspection_costs_the_inspection_cost() {
        let (inspections, _, cost) =
            inspected(DILIGENT, 3, |s| s.supervision.inspection_cost = 0.5);
        assert!(inspections > 0);
        assert_eq!(cost, 0.5 * inspections as f64);
    }

    /// Reports this month by covered households with unmet needs and the
    /// given trust.
    fn reports(mass: f64, trust: f32) -> u64 {
        let mut s = Scenario::defaults();
        s.supervision.mass_supervision = mass;
        let mut v = build_village(&s, 0, 9);
        for h in &mut v.households {
            h.open_needs = [1, 0, 0, 0];
            h.trust = trust;
        }
        let mut t = VillageTally::default();
        supervise(
            &mut v,
            &MonthContext {
                inspection: 0.0,
                ..MonthContext::at_start(&s)
            },
            &mut t,
        );
        t.reports
    }

    /// A household reports with probability μ·T (§7.5, step 1).
    #[test]
    fn trusting_households_report_more_and_none_without_mass_supervision() {
        assert!(reports(0.5, 0.9) > reports(0.5, 0.2));
        assert!(reports(1.0, 0.5) > 0);
        assert_eq!(reports(0.0, 0.9), 0);
        assert_eq!(reports(1.0, 0.0), 0);
    }

    #[test]
    fn switched_off_supervision_never_sanctions() {
        let mut s = Scenario::defaults();
        s.supervision.enabled = false;
        let mut v = build_village(&s, 0, 9);
        let mut t = VillageTally::default();
        supervise(
            &mut v,
            &MonthContext {
                month: 0,
                inspection: 1.0,
                burn_in: false,
                ..MonthContext::at_start(&s)
            },
            &mut t,
        );
        assert_eq!(t.sanctions + t.reports + t.inspections, 0);
    }
}
