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

/// Per-contact slots for a pass over a village's households: one slot per
/// member and one more, at index `members`, for households without a
/// contact ([`crate::model::Household::contact_slot`]). A pass adds to its
/// household's slot without a branch on whether the household has a
/// contact: mispredicted branches on random data are among the largest
/// costs of a household-step (`docs/performance.md`). The slots start at
/// `T::default()`; up to 64 members they live on the stack.
pub struct ContactSlots<T> {
    on_stack: [T; SLOTS_ON_STACK],
    on_heap: Vec<T>,
    len: usize,
}

/// Slots a [`ContactSlots`] keeps on the stack: 64 members and the slot
/// for households without a contact.
const SLOTS_ON_STACK: usize = 65;

impl<T: Copy + Default> ContactSlots<T> {
    /// Slots for a village of `members` members.
    pub fn new(members: usize) -> Self {
        let len = members + 1;
        ContactSlots {
            on_stack: [T::default(); SLOTS_ON_STACK],
            on_heap: if len > SLOTS_ON_STACK {
                vec![T::default(); len]
            } else {
                Vec::new()
            },
            len,
        }
    }
}

impl<T> std::ops::Deref for ContactSlots<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        if self.len > SLOTS_ON_STACK {
            &self.on_heap
        } else {
            &self.on_stack[..self.len]
        }
    }
}

impl<T> std::ops::DerefMut for ContactSlots<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        if self.len > SLOTS_ON_STACK {
            &mut self.on_heap
        } else {
            &mut self.on_stack[..self.len]
        }
    }
}

/// The households a pass picks out, as indices into the village's
/// households in their order, gathered without a branch on the household:
/// every index is written and the count advances only for the picked ones
/// (whether a household has unmet needs is random, and a branch on it is
/// mispredicted about as often as it is taken; `docs/performance.md`). A
/// village holds at most 60 000 households (`world.households_per_village`),
/// so an index fits in a `u16`; up to 512 households the indices live on
/// the stack.
pub struct Selection {
    on_stack: [u16; SELECTION_ON_STACK],
    on_heap: Vec<u16>,
    len: usize,
}

/// Offers households to a [`Selection`] in order. The count of picked
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

    /// Put the picked households in the selection.
    pub fn finish(self) {
        *self.len = self.picked;
    }
}

/// Households a [`Selection`] keeps on the stack.
const SELECTION_ON_STACK: usize = 512;

impl Selection {
    /// Room for a village of `households` households, none picked yet.
    pub fn with_room(households: usize) -> Self {
        Selection {
            on_stack: [0; SELECTION_ON_STACK],
            on_heap: if households > SELECTION_ON_STACK {
                vec![0; households]
            } else {
                Vec::new()
            },
            len: 0,
        }
    }

    /// A picker that offers the households one by one; the picked ones
    /// are in the selection once [`Picker::finish`] is called.
    pub fn picker(&mut self) -> Picker<'_> {
        let (room, len): (&mut [u16], &mut usize) = if self.on_heap.is_empty() {
            (&mut self.on_stack, &mut self.len)
        } else {
            (&mut self.on_heap, &mut self.len)
        };
        Picker {
            picked: *len,
            room,
            len,
        }
    }

    /// The picked households' indices, in order.
    pub fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        let room: &[u16] = if self.on_heap.is_empty() {
            &self.on_stack
        } else {
            &self.on_heap
        };
        room[..self.len].iter().map(|&i| usize::from(i))
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
    fn a_selection_keeps_the_picked_indices_in_order_on_the_stack_and_the_heap() {
        for households in [0, 1, 7, SELECTION_ON_STACK, SELECTION_ON_STACK + 1, 60_000] {
            let mut picked = Selection::with_room(households);
            let mut picker = picked.picker();
            for i in 0..households {
                picker.offer(i, i % 3 == 1 || i == households - 1);
            }
            picker.finish();
            let want: Vec<usize> = (0..households)
                .filter(|&i| i % 3 == 1 || i == households - 1)
                .collect();
            assert_eq!(picked.indices().collect::<Vec<_>>(), want, "{households}");
            assert_eq!(picked.len(), want.len());
            assert_eq!(picked.is_empty(), want.is_empty());
        }
    }
}
