//! Technology: the service platform (`docs/model.md` §7.15).
//!
//! A platform multiplies every member's capacity by 1 + π_P, raises the
//! efficiency of reaching households without a contact to
//! η_u + r_P·(1 − η_u), and removes a share r_P of the diversity cost (§7.9).
//! It costs c_P per village and month.

use crate::metrics::VillageTally;
use crate::scenario::Scenario;

/// Capacity multiplier of the platform.
pub fn productivity(s: &Scenario) -> f64 {
    if s.technology.platform {
        1.0 + s.technology.platform_productivity
    } else {
        1.0
    }
}

/// Efficiency of pooled capacity on households without a contact.
pub fn uncovered_efficiency(s: &Scenario) -> f64 {
    let eta = s.service.uncovered_efficiency;
    if s.technology.platform {
        eta + s.technology.platform_reach * (1.0 - eta)
    } else {
        eta
    }
}

/// Monthly running cost.
pub fn charge(s: &Scenario, tally: &mut VillageTally) {
    if s.technology.platform {
        tally.cost += s.technology.platform_cost;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_platform_raises_productivity_and_reach() {
        let mut s = Scenario::defaults();
        let (p, r) = (productivity(&s), uncovered_efficiency(&s));
        s.technology.platform = true;
        assert!(productivity(&s) > p);
        assert!(uncovered_efficiency(&s) > r);
        let mut t = VillageTally::default();
        charge(&s, &mut t);
        assert!(t.cost > 0.0);
    }
}
