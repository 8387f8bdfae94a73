//! The model's rules, one module per mechanism (`docs/model.md` §7).
//!
//! Each village rule is a [`VillageRule`]: a function of the village, the
//! [`MonthContext`] (the month, the policy in force and the county's boards)
//! and the village's tally, which rules that count nothing ignore. It draws
//! random numbers only from the village's own stream. The engine runs them
//! in the order of its schedule (`engine::SCHEDULE`, `docs/model.md` §3.1).
//! Rules that act across villages (county ranking, promotion, democratic
//! assessment, exemplary models, joint branches, innovation shares) run in
//! the engine's sequential county phase and take the whole slice of villages.

pub mod crowding;
pub mod effort;
pub mod environment;
pub mod exemplary;
pub mod funds;
pub mod incentive;
pub mod innovation;
pub mod leadership;
pub mod migration;
pub mod needs;
pub mod satisfaction;
pub mod selection;
pub mod service;
pub mod service_team;
pub mod spiritual;
pub mod supervision;
pub mod technology;
pub mod training;

use crate::metrics::VillageTally;
use crate::model::Village;
use crate::scenario::Scenario;
use exemplary::{ModelBoard, TownshipContacts};

/// The one signature of a village rule: the village, what every village
/// knows about the month, and the village's tally for the month.
pub type VillageRule = fn(&mut Village, &MonthContext<'_>, &mut VillageTally);

/// What every village knows about the current month: the policy in force
/// and the county's boards as they stood at the end of last month.
#[derive(Debug, Clone, Copy)]
pub struct MonthContext<'a> {
    /// Recorded month index, from 0 (0 during burn-in).
    pub month: u32,
    /// I(t): inspection probability this month (`docs/model.md` §7.5).
    pub inspection: f64,
    /// Whether a campaign runs this month (§7.5): its activities take time (§7.3).
    pub campaign: bool,
    /// Whether this is a burn-in month (not recorded; environment frozen,
    /// `docs/model.md` §3.4).
    pub burn_in: bool,
    /// The scenario in force this month (`Scenario::phases`, §3.5).
    pub policy: &'a Scenario,
    /// The exemplary models designated at the last assessment (§7.7).
    pub board: &'a ModelBoard,
    /// Each township's adopted share of service innovation last month,
    /// indexed by township (§7.18); empty when innovation is off.
    pub adoption: &'a [f64],
    /// Each township's holders of an exemplary practice at the end of last
    /// month, met through township contacts (§7.7).
    pub contacts: &'a TownshipContacts,
}

/// The board of a county with no exemplary models.
static NO_MODELS: ModelBoard = ModelBoard { groups: Vec::new() };

/// A county with no township contacts.
static NO_CONTACTS: TownshipContacts = TownshipContacts {
    active: Vec::new(),
    holders: Vec::new(),
};

impl<'a> MonthContext<'a> {
    /// The context of a county's first month under `policy`: month 0 with
    /// its inspection rate, no models and no adoption yet. Set-up and tests
    /// use it.
    pub fn at_start(policy: &'a Scenario) -> Self {
        MonthContext {
            month: 0,
            inspection: policy.supervision.inspection_at(0),
            campaign: policy.supervision.in_campaign(0),
            burn_in: false,
            policy,
            board: &NO_MODELS,
            adoption: &[],
            contacts: &NO_CONTACTS,
        }
    }

    /// F: the adopted share of service innovation last month in `township`
    /// (`docs/model.md` §7.18); 0 before any share is computed.
    pub fn adoption_in(&self, township: u32) -> f64 {
        self.adoption.get(township as usize).copied().unwrap_or(0.0)
    }
}

/// `if chosen { a } else { b }` for `f32` without a branch: the choice is
/// made on the bits, in integer registers. (x86-64's float registers have
/// no conditional move, so a select of floats on a condition that is not a
/// float comparison of its own compiles to a branch, which on random data
/// is mispredicted; `docs/performance.md`.)
#[inline]
pub fn select_f32(chosen: bool, a: f32, b: f32) -> f32 {
    f32::from_bits(std::hint::select_unpredictable(
        chosen,
        a.to_bits(),
        b.to_bits(),
    ))
}

/// `if chosen { a } else { b }` for `f64` without a branch ([`select_f32`]).
#[inline]
pub fn select_f64(chosen: bool, a: f64, b: f64) -> f64 {
    f64::from_bits(std::hint::select_unpredictable(
        chosen,
        a.to_bits(),
        b.to_bits(),
    ))
}

/// A pass's working values: a slice of `len` values starting at
/// `T::default()`, on the stack up to `N` values (the common village) and on
/// the heap beyond, so that a pass over an ordinary village allocates
/// nothing.
pub struct Scratch<T, const N: usize> {
    on_stack: [T; N],
    on_heap: Vec<T>,
    len: usize,
}

impl<T: Copy + Default, const N: usize> Scratch<T, N> {
    /// `len` values, each `T::default()`.
    pub fn new(len: usize) -> Self {
        Scratch {
            on_stack: [T::default(); N],
            on_heap: if len > N {
                vec![T::default(); len]
            } else {
                Vec::new()
            },
            len,
        }
    }
}

impl<T, const N: usize> std::ops::Deref for Scratch<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        if self.len > N {
            &self.on_heap
        } else {
            &self.on_stack[..self.len]
        }
    }
}

impl<T, const N: usize> std::ops::DerefMut for Scratch<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        if self.len > N {
            &mut self.on_heap
        } else {
            &mut self.on_stack[..self.len]
        }
    }
}

/// Per-contact slots for a pass over a village's households
/// ([`ContactSlots::for_members`]): one slot per member and one more, at
/// index `members`, for households without a contact
/// ([`crate::model::Household::contact_slot`]). A pass adds to its
/// household's slot without a branch on whether the household has a
/// contact: mispredicted branches on random data are among the largest
/// costs of a household-step (`docs/performance.md`). The slots start at
/// `T::default()`; up to 64 members they live on the stack.
pub type ContactSlots<T> = Scratch<T, 65>;

impl<T: Copy + Default> ContactSlots<T> {
    /// Slots for a village of `members` members.
    pub fn for_members(members: usize) -> Self {
        Scratch::new(members + 1)
    }
}

/// The households a pass picks out, as indices into the village's
/// households in their order, gathered without a branch on the household
/// ([`Picker`]): every index is written and the count advances only for the
/// picked ones (whether a household has unmet needs is random, and a branch
/// on it is mispredicted about as often as it is taken;
/// `docs/performance.md`). A village holds at most 60 000 households
/// (`world.households_per_village`), so an index fits in a `u16`; up to 512
/// households the indices live on the stack.
pub struct Picked {
    room: Scratch<u16, 512>,
    len: usize,
}

/// Offers households to a [`Picked`] in order. The count of picked
/// households is a local value while offering, so that each offer does not
/// wait for the last one's count to be stored and loaded again.
pub struct Picker<'a> {
    room: &'a mut [u16],
    picked: usize,
    len: &'a mut usize,
}

impl Picker<'_> {
    /// Household `index` (the next after the last offered, in order) is
    /// picked if `picked`.
    #[inline]
    pub fn offer(&mut self, index: usize, picked: bool) {
        self.room[self.picked] = index as u16;
        self.picked += usize::from(picked);
    }

    /// Put the picked households in the [`Picked`].
    pub fn finish(self) {
        *self.len = self.picked;
    }
}

impl Picked {
    /// Room for a village of `households` households (at most 65 536, so
    /// that every index fits in a `u16`), none picked yet.
    pub fn with_room(households: usize) -> Self {
        assert!(
            households <= usize::from(u16::MAX) + 1,
            "{households} households: a village holds at most 60 000"
        );
        Picked {
            room: Scratch::new(households),
            len: 0,
        }
    }

    /// A picker that offers the households one by one, from the first;
    /// the picked ones are here once [`Picker::finish`] is called.
    pub fn picker(&mut self) -> Picker<'_> {
        Picker {
            room: &mut self.room,
            picked: 0,
            len: &mut self.len,
        }
    }

    /// The picked households' indices, in order.
    pub fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.room[..self.len].iter().map(|&i| usize::from(i))
    }

    /// How many households are picked.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no household is picked.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picked_households_keep_their_order_on_the_stack_and_the_heap() {
        // Which of `n` households the `i`-th is picked by.
        type Rule = fn(usize, usize) -> bool;
        let rules: [(&str, Rule); 4] = [
            ("every third and the last", |i, n| i % 3 == 1 || i + 1 == n),
            ("all", |_, _| true),
            ("none", |_, _| false),
            ("all but the first", |i, _| i > 0),
        ];
        for households in [0, 1, 7, 511, 512, 513, 60_000] {
            for (name, rule) in rules {
                let mut picked = Picked::with_room(households);
                let mut picker = picked.picker();
                for i in 0..households {
                    picker.offer(i, rule(i, households));
                }
                picker.finish();
                let want: Vec<usize> = (0..households).filter(|&i| rule(i, households)).collect();
                assert_eq!(
                    picked.indices().collect::<Vec<_>>(),
                    want,
                    "{households} {name}"
                );
                assert_eq!(picked.len(), want.len());
                assert_eq!(picked.is_empty(), want.is_empty());
            }
        }
    }

    #[test]
    fn a_select_returns_the_chosen_value_bit_for_bit() {
        for (a, b) in [(2.5, -0.75), (0.0, -0.0), (-1.0, 1e-30)] {
            assert_eq!(select_f64(true, a, b).to_bits(), a.to_bits());
            assert_eq!(select_f64(false, a, b).to_bits(), b.to_bits());
            let (a, b) = (a as f32, b as f32);
            assert_eq!(select_f32(true, a, b).to_bits(), a.to_bits());
            assert_eq!(select_f32(false, a, b).to_bits(), b.to_bits());
        }
    }

    #[test]
    fn scratch_values_start_at_the_default_on_the_stack_and_the_heap() {
        for len in [0, 1, 65, 66, 1000] {
            let mut slots = ContactSlots::<f32>::new(len);
            assert_eq!(slots.len(), len);
            assert!(slots.iter().all(|&x| x == 0.0));
            for (i, x) in slots.iter_mut().enumerate() {
                *x = i as f32;
            }
            assert!(slots.iter().enumerate().all(|(i, &x)| x == i as f32));
            assert_eq!(ContactSlots::<u8>::for_members(len).len(), len + 1);
        }
    }
}
