//! Running simulated clients: one OS thread each, a warm-up, then a fixed
//! duration or request count; every request's latency is kept.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Barrier};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::http::Reply;
use crate::server::{Memory, MemorySampler};
use crate::stats::{Recorded, Summary};

/// What one client records, by operation name.
#[derive(Default)]
pub struct Recorder {
    /// Off during the warm-up.
    pub on: bool,
    pub ops: BTreeMap<&'static str, Recorded>,
}

impl Recorder {
    /// Records one request's outcome under `op` and hands the reply back.
    pub fn note(&mut self, op: &'static str, result: Result<Reply, String>) -> Option<Reply> {
        match result {
            Ok(reply) => {
                if self.on {
                    self.ops
                        .entry(op)
                        .or_default()
                        .response(reply.status, reply.took, || reply.body.clone());
                }
                Some(reply)
            }
            Err(e) => {
                if self.on {
                    self.ops.entry(op).or_default().transport_error(&e);
                }
                None
            }
        }
    }

    /// Records an operation that is not an HTTP request (the direct
    /// database loop): success counts as 200, an error as a failure.
    pub fn outcome(&mut self, op: &'static str, took: Duration, result: Result<(), String>) {
        if !self.on {
            return;
        }
        let record = self.ops.entry(op).or_default();
        match result {
            Ok(()) => record.response(200, took, String::new),
            Err(e) => record.transport_error(&e),
        }
    }
}

/// One simulated client's behaviour.
pub trait Work: Send {
    /// Performs one operation (one or more requests), recording each.
    /// Returns `false` when the client cannot go on (e.g. out of patients).
    fn step(&mut self, recorder: &mut Recorder) -> bool;
}

/// How long a run measures.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    /// For this long.
    Duration(Duration),
    /// Until every client has made this many operations (the total is
    /// shared out evenly).
    Operations(u64),
}

pub struct Measured {
    /// Every operation's record, over all clients.
    pub ops: BTreeMap<&'static str, Recorded>,
    /// From the end of the warm-up to the last recorded response.
    pub elapsed: Duration,
    /// The server's memory during the run (warm-up included).
    pub memory: Memory,
    pub stopped_early: usize,
}

impl Measured {
    /// One operation's figures over the measured window (empty if it never
    /// ran).
    pub fn summary(&self, op: &str) -> Summary {
        self.ops
            .get(op)
            .cloned()
            .unwrap_or_default()
            .summarise(self.elapsed)
    }
}

const WARMING: u8 = 0;
const MEASURING: u8 = 1;
const STOPPING: u8 = 2;

/// Runs every client, warm-up first, and gathers their records.
pub fn run(
    clients: Vec<Box<dyn Work>>,
    warmup: Duration,
    limit: Limit,
    server_pid: u32,
) -> Measured {
    let n = clients.len().max(1) as u64;
    let phase = Arc::new(AtomicU8::new(WARMING));
    let start = Arc::new(Barrier::new(clients.len() + 1));
    let sampler = MemorySampler::start(server_pid);
    let handles: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, work)| {
            let (phase, start) = (Arc::clone(&phase), Arc::clone(&start));
            // Share the total out: the first clients take the remainder.
            let quota = match limit {
                Limit::Operations(total) => Some(total / n + u64::from((i as u64) < total % n)),
                Limit::Duration(_) => None,
            };
            std::thread::spawn(move || drive(work, &phase, &start, quota))
        })
        .collect();
    start.wait();
    std::thread::sleep(warmup);
    let measuring = Instant::now();
    phase.store(MEASURING, Ordering::Release);
    if let Limit::Duration(d) = limit {
        std::thread::sleep(d);
        phase.store(STOPPING, Ordering::Release);
    }
    let mut measured = gather(handles, measuring);
    phase.store(STOPPING, Ordering::Release);
    measured.memory = sampler.finish();
    measured
}

/// What one client's thread hands back.
struct Driven {
    recorder: Recorder,
    /// When its last measured operation ended.
    last: Option<Instant>,
    /// It could not go on before the end.
    early: bool,
}

/// One client, from the start line until the run stops or its quota is met.
fn drive(mut work: Box<dyn Work>, phase: &AtomicU8, start: &Barrier, quota: Option<u64>) -> Driven {
    let mut driven = Driven {
        recorder: Recorder::default(),
        last: None,
        early: false,
    };
    let mut done = 0u64;
    start.wait();
    loop {
        let now = phase.load(Ordering::Acquire);
        if now == STOPPING || quota.is_some_and(|q| done >= q) {
            break;
        }
        driven.recorder.on = now == MEASURING;
        if !work.step(&mut driven.recorder) {
            driven.early = true;
            break;
        }
        if driven.recorder.on {
            done += 1;
            driven.last = Some(Instant::now());
        }
    }
    driven
}

/// Every client's records merged; the window ends with the last measured
/// operation.
fn gather(handles: Vec<JoinHandle<Driven>>, measuring: Instant) -> Measured {
    let mut ops: BTreeMap<&'static str, Recorded> = BTreeMap::new();
    let mut end = measuring;
    let mut stopped_early = 0;
    for handle in handles {
        let driven = handle.join().expect("a client thread panicked");
        for (op, record) in driven.recorder.ops {
            ops.entry(op).or_default().merge(record);
        }
        if let Some(last) = driven.last {
            end = end.max(last);
        }
        stopped_early += usize::from(driven.early);
    }
    Measured {
        ops,
        elapsed: end.duration_since(measuring),
        memory: Memory::default(),
        stopped_early,
    }
}

/// A small, fast, seedable generator (xorshift64*), so clients need no
/// dependency to pick dates and sessions.
pub struct Rng(u64);

impl Rng {
    /// A generator for client `i` (never the all-zero state).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}
