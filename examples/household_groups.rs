//! How many households of a village are alike: the most that a grouped
//! representation of households (one record per group of alike households,
//! counts drawn per group) could compress a village
//! (`docs/performance.md`, "Why the throughput target is not met").
//!
//! ```sh
//! cargo run --release --example household_groups -- scenarios/province.toml --set world.villages=500
//! cargo run --release --example household_groups -- scenarios/baseline.toml
//! ```
//!
//! Every 12 months (and at the last) it prints the mean number per village
//! of households, and of groups of households alike in each of the ways of
//! [`COLUMNS`].
use std::collections::HashSet;
use std::path::Path;
use std::process::ExitCode;

use grassroots::engine::Simulation;
use grassroots::model::Household;
use grassroots::random::replicate_seed;
use grassroots::scenario::Scenario;

/// What households must share to be alike. They always share their type
/// and their open needs by category.
#[derive(Debug, Clone, Copy)]
struct Alike {
    /// Also their contact member.
    contact: bool,
    /// Also their satisfaction and trust rounded to a grid of this step
    /// (`Some(0.0)`: exactly equal); `None`: not these. (Their expectation
    /// is their village's, the same for all, §7.9.)
    state: Option<f32>,
}

/// The columns printed: a name and what households must share.
const COLUMNS: [(&str, Alike); 7] = [
    (
        "type_needs",
        Alike {
            contact: false,
            state: None,
        },
    ),
    (
        "and_contact",
        Alike {
            contact: true,
            state: None,
        },
    ),
    (
        "and_state_exact",
        Alike {
            contact: true,
            state: Some(0.0),
        },
    ),
    (
        "and_state_0.001",
        Alike {
            contact: true,
            state: Some(1e-3),
        },
    ),
    (
        "and_state_0.01",
        Alike {
            contact: true,
            state: Some(1e-2),
        },
    ),
    (
        "and_state_0.05",
        Alike {
            contact: true,
            state: Some(5e-2),
        },
    ),
    (
        "type_needs_state_0.05",
        Alike {
            contact: false,
            state: Some(5e-2),
        },
    ),
];

/// What a household shares with those alike to it.
type Key = (u8, [u16; 4], u16, u32, u32);

fn key(h: &Household, alike: Alike) -> Key {
    let on_grid = |x: f32, step: f32| {
        if step == 0.0 {
            x.to_bits()
        } else {
            (x / step).round() as u32
        }
    };
    let contact = if alike.contact { h.contact } else { 0 };
    let (satisfaction, trust) = match alike.state {
        Some(step) => (on_grid(h.satisfaction, step), on_grid(h.trust, step)),
        None => (0, 0),
    };
    (h.kind as u8, h.open_needs, contact, satisfaction, trust)
}

/// Groups of alike households.
fn groups(households: &[Household], alike: Alike) -> usize {
    households
        .iter()
        .map(|h| key(h, alike))
        .collect::<HashSet<_>>()
        .len()
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The file `scenario.base` names, relative to the file that names it.
fn read_base(base: &str, including: &str) -> Result<(String, String), String> {
    let path = Path::new(including)
        .parent()
        .unwrap_or(Path::new(""))
        .join(base);
    let shown = path.display().to_string();
    std::fs::read_to_string(&path)
        .map(|text| (shown.clone(), text))
        .map_err(|e| format!("cannot read base scenario {shown}: {e}"))
}

fn run() -> Result<(), String> {
    let usage = "usage: household_groups FILE [--set KEY=VALUE]...";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let file = args.first().ok_or(usage)?;
    let mut set = Vec::new();
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let pair = match (arg.as_str(), rest.next()) {
            ("--set", Some(pair)) => pair,
            _ => return Err(usage.into()),
        };
        let (key, value) = pair.split_once('=').ok_or(usage)?;
        set.push((key.to_string(), value.to_string()));
    }
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let scenario =
        Scenario::from_toml_with(&text, file, &set, Some(&read_base)).map_err(|e| e.to_string())?;
    let mut sim = Simulation::new(&scenario, replicate_seed(scenario.scenario.seed, 0, 0));
    let months = scenario.scenario.burn_in_months + scenario.scenario.months;
    let names: Vec<&str> = COLUMNS.iter().map(|(name, _)| *name).collect();
    println!("month\thouseholds\t{}", names.join("\t"));
    for month in 1..=months {
        sim.step();
        if month % 12 != 0 && month != months {
            continue;
        }
        let villages = sim.villages();
        let n = villages.len().max(1) as f64;
        let mean = |count: &dyn Fn(&[Household]) -> usize| {
            let total: usize = villages.iter().map(|v| count(&v.households)).sum();
            format!("{:.1}", total as f64 / n)
        };
        let columns: Vec<String> = COLUMNS
            .iter()
            .map(|&(_, alike)| mean(&|h| groups(h, alike)))
            .collect();
        println!("{month}\t{}\t{}", mean(&|h| h.len()), columns.join("\t"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use grassroots::engine::build_village;
    use grassroots::model::HouseholdType;

    #[test]
    fn households_are_alike_in_what_the_column_asks() {
        let s = Scenario::defaults();
        let mut households = build_village(&s, 0, 1).households;
        households.truncate(3);
        for h in &mut households {
            h.kind = HouseholdType::Ordinary;
            h.open_needs = [1, 0, 2, 0];
            h.contact = 4;
            h.satisfaction = 0.5;
            h.trust = 0.5;
        }
        let [exact, to_01, to_05] = [COLUMNS[2].1, COLUMNS[4].1, COLUMNS[5].1];
        assert_eq!(groups(&households, exact), 1);
        // Satisfaction 0.003 apart: alike on a grid of 0.01 and 0.05, not exactly.
        households[1].satisfaction = 0.503;
        assert_eq!(groups(&households, exact), 2);
        assert_eq!(groups(&households, to_01), 1);
        // Trust 0.02 apart: alike on a grid of 0.05, not of 0.01.
        households[2].trust = 0.52;
        assert_eq!(groups(&households, to_01), 2);
        assert_eq!(groups(&households, to_05), 1);
        // Another contact: apart wherever contacts count.
        households[2].contact = 5;
        assert_eq!(groups(&households, to_05), 2);
        assert_eq!(groups(&households, COLUMNS[1].1), 2);
        assert_eq!(groups(&households, COLUMNS[6].1), 1);
        assert_eq!(groups(&households, COLUMNS[0].1), 1);
        // Another type: apart in every column.
        households[1].kind = HouseholdType::Business;
        // (The third household has another contact, and its trust is on
        // the first one's 0.05 step.)
        let apart = COLUMNS.map(|(_, alike)| groups(&households, alike));
        assert_eq!(apart, [2, 3, 3, 3, 3, 3, 2]);
        households[1].kind = HouseholdType::Ordinary;
        // Satisfaction a grid step apart: apart wherever the state counts.
        households[1].satisfaction = 0.56;
        assert_eq!(groups(&households, to_05), 3);
        assert_eq!(groups(&households, COLUMNS[6].1), 2);
        assert_eq!(groups(&households, COLUMNS[1].1), 2);
        // Other open needs: apart in every column.
        households[0].open_needs = [0, 0, 0, 0];
        for (name, alike) in COLUMNS {
            assert!(groups(&households, alike) >= 2, "{name}");
        }
    }
}
