//! One engine step: vLLM V1's scheduling pass, the step time, and applying the step's outputs.
//!
//! Scheduling follows vLLM V1's FCFS policy with chunked prefill:
//! 1. Running requests first, in admission order. Each gets the tokens it still needs (1 when
//!    decoding, the rest of its prompt when prefilling), capped by the step's token budget. If
//!    the KV cache has too few free blocks for them, the newest running request is preempted
//!    (KV freed, back to the front of the waiting queue, recomputed later) until it fits; when
//!    the request itself is the newest, it is preempted and the pass moves on.
//! 2. Then, only if nothing was preempted, waiting requests in order while the batch has a free
//!    seat (`max_num_seqs`), budget remains, and the KV cache holds the scheduled chunk. The
//!    head of the queue blocks the rest (no skipping ahead).
//!
//! KV blocks are allocated lazily, for the tokens computed so far, as vLLM does: admission only
//! needs room for the first chunk, so a full batch can later run out of blocks while decoding.

use std::time::Duration;

use rand_distr::{Distribution, StandardNormal};

use super::{Active, Replica, Step};
use crate::request::{Event, FinishReason, RequestId};

impl Replica {
    fn blocks_for(&self, tokens: u32) -> u32 {
        tokens.div_ceil(self.config.block_size)
    }

    /// Schedules a step starting at `now`; the engine goes idle when there is nothing to run.
    pub(super) fn start_step(&mut self, now: Duration, sink: &mut impl FnMut(Event)) {
        debug_assert!(self.step.is_none());
        let mut budget = self.config.max_num_batched_tokens;
        let mut scheduled = std::mem::take(&mut self.spare_schedule);
        scheduled.clear();
        let mut preempted = false;

        let mut index = 0;
        while index < self.running.len() && budget > 0 {
            let id = self.running[index];
            let request = &self.requests[&id];
            let tokens = (request.known_tokens() - request.computed).min(budget);
            if tokens == 0 {
                index += 1;
                continue;
            }
            let needed = self.blocks_for(request.computed + tokens) - request.blocks;
            let mut fits = true;
            while needed > self.free_blocks {
                let victim = self.running.pop().expect("the request itself is running");
                self.preempt(victim, now, sink);
                preempted = true;
                if victim == id {
                    fits = false;
                    break;
                }
            }
            if !fits {
                break;
            }
            self.allocate(id, needed);
            budget -= tokens;
            scheduled.push((id, tokens));
            index += 1;
        }

        while !preempted && budget > 0 && (self.running.len() as u32) < self.config.max_num_seqs {
            let Some(&id) = self.waiting.front() else {
                break;
            };
            let request = &self.requests[&id];
            let tokens = (request.known_tokens() - request.computed).min(budget);
            let needed = self.blocks_for(request.computed + tokens) - request.blocks;
            if needed > self.free_blocks {
                break;
            }
            let queried = request.known_tokens();
            self.waiting.pop_front();
            self.running.push(id);
            self.allocate(id, needed);
            let request = self
                .requests
                .get_mut(&id)
                .expect("scheduled request exists");
            request.first_scheduled.get_or_insert(now);
            self.metrics.prefix_cache_queries += u64::from(queried);
            budget -= tokens;
            scheduled.push((id, tokens));
        }

        if scheduled.is_empty() {
            self.spare_schedule = scheduled;
            return;
        }
        let ends = now + self.step_time(&scheduled);
        self.step = Some(Step { ends, scheduled });
    }

    fn allocate(&mut self, id: RequestId, blocks: u32) {
        self.free_blocks -= blocks;
        self.requests
            .get_mut(&id)
            .expect("scheduled request exists")
            .blocks += blocks;
    }

    /// Drops a running request's KV cache and puts it at the head of the waiting queue.
    fn preempt(&mut self, id: RequestId, now: Duration, sink: &mut impl FnMut(Event)) {
        let request = self.requests.get_mut(&id).expect("running request exists");
        self.free_blocks += request.blocks;
        request.blocks = 0;
        request.computed = 0;
        request.preemptions += 1;
        self.metrics.preemptions += 1;
        self.waiting.push_front(id);
        sink(Event::Preempted { id, at: now });
    }

    /// The modelled duration of a step (see [`LatencyModel`](crate::LatencyModel)).
    fn step_time(&mut self, scheduled: &[(RequestId, u32)]) -> Duration {
        let mut prefill_tokens = 0u64;
        let mut decode_seqs = 0u64;
        let mut context_tokens = 0u64;
        for &(id, tokens) in scheduled {
            let request = &self.requests[&id];
            let decoding =
                tokens == 1 && request.output > 0 && request.computed + 1 == request.known_tokens();
            if decoding {
                decode_seqs += 1;
            } else {
                prefill_tokens += u64::from(tokens);
            }
            context_tokens += u64::from(request.computed + tokens);
        }

        let model = &self.config.latency;
        let secs = model.step_base.as_secs_f64()
            + model.prefill_per_token.as_secs_f64() * prefill_tokens as f64
            + model.decode_per_seq.as_secs_f64() * decode_seqs as f64
            + model.context_per_token.as_secs_f64() * context_tokens as f64;
        let factor = if model.jitter > 0.0 {
            let z: f64 = StandardNormal.sample(&mut self.rng);
            // Log-normal with mean 1.
            (model.jitter * z - model.jitter * model.jitter / 2.0).exp()
        } else {
            1.0
        };
        Duration::from_secs_f64(secs * factor)
    }

    /// Applies the executing step's outputs at its end time: computed tokens advance, requests
    /// that caught up sample a token, and those that reached their length finish.
    pub(super) fn finish_step(&mut self, sink: &mut impl FnMut(Event)) {
        let Step {
            ends,
            mut scheduled,
        } = self.step.take().expect("a step is executing");
        let total: u32 = scheduled.iter().map(|&(_, tokens)| tokens).sum();
        self.metrics.iteration_tokens.observe(f64::from(total));
        let record_times = self.config.record_token_times;

        let mut finished = Vec::new();
        for &(id, tokens) in &scheduled {
            // Aborted while the step executed: its outputs are discarded.
            let Some(request) = self.requests.get_mut(&id) else {
                continue;
            };
            request.computed += tokens;
            if request.computed < request.known_tokens() {
                continue; // a prefill chunk that did not reach the end of the prompt
            }

            let index = request.output;
            request.output += 1;
            match request.last_token {
                None => self
                    .metrics
                    .on_first_token(ends - request.arrival, request.spec.prompt_tokens),
                Some(last) => self.metrics.on_next_token(ends - last),
            }
            request.first_token.get_or_insert(ends);
            request.last_token = Some(ends);
            if record_times {
                request.token_times.push(ends);
            }
            let last = request.output >= request.target_output;
            sink(Event::Token {
                id,
                at: ends,
                index,
                last,
            });
            if last {
                finished.push(id);
            }
        }

        if !finished.is_empty() {
            self.running.retain(|id| !finished.contains(id));
            for id in finished {
                let request: Active = self.requests.remove(&id).expect("finished request exists");
                self.free_blocks += request.blocks;
                let reason = if request.stops_naturally {
                    FinishReason::Stop
                } else {
                    FinishReason::Length
                };
                self.finish(id, request, ends, reason, sink);
            }
        }
        scheduled.clear();
        self.spare_schedule = scheduled;
    }
}
