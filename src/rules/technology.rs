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

    /// The documented values: capacity × (1 + π_P), reach η_u + r_P·(1 −
    /// η_u), cost c_P a month (§7.15).
    #[test]
    fn a_platform_has_the_documented_values() {
        let mut s = Scenario::defaults();
        s.technology.platform = true;
        s.technology.platform_productivity = 0.2;
        s.technology.platform_reach = 0.25;
        s.technology.platform_cost = 3.0;
        s.service.uncovered_efficiency = 0.4;
        assert_eq!(productivity(&s), 1.2);
        assert!((uncovered_efficiency(&s) - (0.4 + 0.25 * 0.6)).abs() < 1e-15);
        let mut t = VillageTally::default();
        charge(&s, &mut t);
        charge(&s, &mut t);
        assert_eq!(t.cost, 6.0);
    }
}
