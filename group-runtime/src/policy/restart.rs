//! `spawn!(restart = …, factory)`: when a supervised child starts again,
//! after how long, and when its failures go to the scope instead (OTP's
//! restart types and intensity). Pure rules: `kinds/restart.rs` applies
//! them to a running child.

use std::collections::hash_map::RandomState;
use std::collections::VecDeque;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use tokio::time::Instant;

/// When a supervised child is started again, how fast, and how many times
/// before its failure goes to its scope. Built with [`Restart::on_failure`]
/// (OTP's `transient`) or [`Restart::always`] (`permanent`); not restarting
/// is plain `spawn!`.
///
/// Defaults: exponential backoff from 100 ms, doubling, capped at 10 s,
/// 10% jitter; at most 5 restarts within 60 s (the 6th failure within 60 s
/// fails the scope).
///
/// ```
/// use std::time::Duration;
/// use taskgroup::{Backoff, Restart};
/// let policy = Restart::on_failure()
///     .backoff(Backoff::exponential(Duration::from_millis(50), Duration::from_secs(5)))
///     .at_most(3, Duration::from_secs(30));
/// # let _ = policy;
/// ```
#[derive(Clone, Debug)]
pub struct Restart {
    always: bool,
    backoff: Backoff,
    max_restarts: usize,
    within: Duration,
}

impl Restart {
    /// Restarted when it fails (returns `Err` or panics); a child that
    /// returns `Ok` (or `()`) is done.
    pub fn on_failure() -> Self {
        Restart {
            always: false,
            backoff: Backoff::exponential(Duration::from_millis(100), Duration::from_secs(10)),
            max_restarts: 5,
            within: Duration::from_secs(60),
        }
    }

    /// Restarted whenever it ends, also with `Ok` (a service that must
    /// always run). Restarts after `Ok` count towards the intensity too;
    /// past it, a child that ended with `Ok` just ends.
    pub fn always() -> Self {
        Restart {
            always: true,
            ..Restart::on_failure()
        }
    }

    /// The pause before each restart.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The intensity: at most `restarts` restarts within any `within`;
    /// the failure that would need one more goes to the scope, as if the
    /// child were not supervised (OTP). `at_most(0, …)`: never restarted.
    ///
    /// # Panics
    /// If `within` is zero: no restart would ever count, so a child failing
    /// at once would be restarted for ever.
    pub fn at_most(mut self, restarts: usize, within: Duration) -> Self {
        assert!(
            !within.is_zero(),
            "taskgroup: Restart::at_most(_, within) needs a period above zero: with zero, \
             restarts never add up and a failing child would be restarted for ever"
        );
        self.max_restarts = restarts;
        self.within = within;
        self
    }

    pub(crate) fn restarts_on_success(&self) -> bool {
        self.always
    }
}

/// The pause before a restart: exponential (`initial`, doubling with each
/// restart that is still within the intensity period, capped at `max`),
/// plus a random jitter of up to a fraction of it.
#[derive(Clone, Debug)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    jitter: f64,
}

impl Backoff {
    /// `initial`, then twice as long at each restart, at most `max`; 10%
    /// jitter.
    pub fn exponential(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max: max.max(initial),
            jitter: 0.1,
        }
    }

    /// Always the same pause (no jitter).
    pub fn fixed(pause: Duration) -> Self {
        Backoff {
            initial: pause,
            max: pause,
            jitter: 0.0,
        }
    }

    /// Restarted at once.
    pub fn none() -> Self {
        Backoff::fixed(Duration::ZERO)
    }

    /// Adds up to `fraction` of the pause at random (0.0: none; 1.0: up to
    /// twice the pause), so that children failing together do not restart
    /// together.
    ///
    /// # Panics
    /// If `fraction` is not within `0.0..=1.0`.
    pub fn jitter(mut self, fraction: f64) -> Self {
        assert!(
            (0.0..=1.0).contains(&fraction),
            "taskgroup: Backoff::jitter({fraction}) must be within 0.0..=1.0"
        );
        self.jitter = fraction;
        self
    }

    /// The pause before the restart that has `earlier` restarts before it
    /// within the period.
    pub(crate) fn pause(&self, earlier: usize) -> Duration {
        let doubled = u32::try_from(earlier)
            .ok()
            .and_then(|shift| 2u32.checked_pow(shift))
            .and_then(|factor| self.initial.checked_mul(factor))
            .unwrap_or(self.max);
        let base = doubled.min(self.max);
        if self.jitter == 0.0 || base.is_zero() {
            return base;
        }
        let extra = base.as_secs_f64() * self.jitter * unit_random();
        base.saturating_add(Duration::try_from_secs_f64(extra).unwrap_or(Duration::MAX))
    }
}

/// A number in `0.0..1.0`, different at each call (std's random hasher
/// keys; no crate needed for a jitter).
fn unit_random() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A child's restarts within the intensity period.
#[derive(Debug, Default)]
pub(crate) struct Window {
    recent: VecDeque<Instant>,
}

/// What to do with an attempt that ended.
#[derive(Debug, PartialEq)]
pub(crate) enum Decision {
    /// Done: the attempt's outcome is the child's.
    Stop,
    /// Too many restarts within the period: the outcome is the child's.
    Exhausted { restarts: usize, within: Duration },
    /// Start again after this pause.
    Restart(Duration),
}

impl Window {
    /// Decides for an attempt that `failed` (or not) and ended `now`.
    pub(crate) fn decide(&mut self, policy: &Restart, failed: bool, now: Instant) -> Decision {
        if !failed && !policy.restarts_on_success() {
            return Decision::Stop;
        }
        while self
            .recent
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= policy.within)
        {
            self.recent.pop_front();
        }
        if self.recent.len() >= policy.max_restarts {
            return Decision::Exhausted {
                restarts: self.recent.len(),
                within: policy.within,
            };
        }
        let pause = policy.backoff.pause(self.recent.len());
        self.recent.push_back(now);
        Decision::Restart(pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_pause_doubles_up_to_its_cap() {
        let backoff = Backoff::exponential(ms(100), ms(1000)).jitter(0.0);
        let pauses: Vec<_> = (0..6).map(|k| backoff.pause(k)).collect();
        assert_eq!(
            pauses,
            [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]
        );
        assert_eq!(backoff.pause(200), ms(1000), "no overflow");
    }

    #[test]
    fn huge_pauses_saturate() {
        let backoff = Backoff::exponential(Duration::MAX, Duration::MAX).jitter(1.0);
        assert_eq!(backoff.pause(0), Duration::MAX);
        assert_eq!(backoff.pause(40), Duration::MAX);
        let uncapped = Backoff::exponential(Duration::from_secs(1), Duration::MAX);
        assert!(uncapped.pause(64) >= Duration::from_secs(1 << 40));
    }

    #[test]
    fn jitter_stays_within_its_fraction() {
        let backoff = Backoff::exponential(ms(100), ms(100)).jitter(0.5);
        let pauses: Vec<_> = (0..200).map(|_| backoff.pause(0)).collect();
        assert!(pauses
            .iter()
            .all(|pause| (ms(100)..=ms(150)).contains(pause)));
        assert!(pauses.iter().any(|pause| *pause != pauses[0]), "random");
    }

    #[test]
    fn the_intensity_counts_restarts_within_the_period() {
        let policy = Restart::on_failure()
            .backoff(Backoff::none())
            .at_most(2, ms(1000));
        let mut window = Window::default();
        let t0 = Instant::now();
        assert_eq!(window.decide(&policy, false, t0), Decision::Stop);
        assert_eq!(window.decide(&policy, true, t0), Decision::Restart(ms(0)));
        assert_eq!(
            window.decide(&policy, true, t0 + ms(10)),
            Decision::Restart(ms(0))
        );
        assert_eq!(
            window.decide(&policy, true, t0 + ms(20)),
            Decision::Exhausted {
                restarts: 2,
                within: ms(1000)
            }
        );
        // The first restart leaves the period: one more is allowed.
        assert_eq!(
            window.decide(&policy, true, t0 + ms(1000)),
            Decision::Restart(ms(0))
        );
    }

    #[test]
    fn always_restarts_after_success_too() {
        let policy = Restart::always()
            .backoff(Backoff::none())
            .at_most(1, ms(10));
        let mut window = Window::default();
        let t0 = Instant::now();
        assert_eq!(window.decide(&policy, false, t0), Decision::Restart(ms(0)));
        assert!(matches!(
            window.decide(&policy, false, t0),
            Decision::Exhausted { .. }
        ));
    }

    #[test]
    #[should_panic(expected = "needs a period above zero")]
    fn a_zero_period_is_refused() {
        let _ = Restart::on_failure().at_most(3, Duration::ZERO);
    }

    #[test]
    #[should_panic(expected = "must be within 0.0..=1.0")]
    fn a_jitter_out_of_range_is_refused() {
        let _ = Backoff::fixed(ms(1)).jitter(1.5);
    }
}
