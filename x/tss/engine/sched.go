package engine

import (
	"runtime"
	"slices"
	"sync"
)

// scheduler lets at most `slots` tss-lib calls (a party's Start or Update,
// where its rounds compute) run at once, the oldest session first. Every
// validator orders sessions the same way (by id), so under load they all
// finish the oldest sessions in one block per round and let newer ones wait,
// instead of every session getting a slice of the CPU, missing the next
// extension and costing all of them a block per round.
type scheduler struct {
	mu      sync.Mutex
	free    int
	waiting []*waiter // by session id, then arrival
}

type waiter struct {
	session uint64
	ready   chan struct{}
}

func newScheduler(slots int) *scheduler {
	return &scheduler{free: max(1, slots)}
}

// cpuSlots is how many tss-lib calls a node runs at once: one per CPU Go
// may use.
func cpuSlots() int { return runtime.GOMAXPROCS(0) }

// do runs f in session's turn; false (f not run) if quit closed first.
func (s *scheduler) do(session uint64, quit <-chan struct{}, f func()) bool {
	if !s.acquire(session, quit) {
		return false
	}
	defer s.release()
	f()
	return true
}

func (s *scheduler) acquire(session uint64, quit <-chan struct{}) bool {
	s.mu.Lock()
	if s.free > 0 && len(s.waiting) == 0 {
		s.free--
		s.mu.Unlock()
		return true
	}
	w := &waiter{session: session, ready: make(chan struct{})}
	i, _ := slices.BinarySearchFunc(s.waiting, session, func(w *waiter, id uint64) int {
		if w.session <= id {
			return -1 // after every waiter of the same session: first come, first served
		}
		return 1
	})
	s.waiting = slices.Insert(s.waiting, i, w)
	s.mu.Unlock()
	select {
	case <-w.ready:
		return true
	case <-quit:
		s.mu.Lock()
		defer s.mu.Unlock()
		if i := slices.Index(s.waiting, w); i >= 0 {
			s.waiting = slices.Delete(s.waiting, i, i+1)
			return false
		}
		// Granted while quitting: hand the slot on.
		s.releaseLocked()
		return false
	}
}

func (s *scheduler) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked()
}

func (s *scheduler) releaseLocked() {
	if len(s.waiting) == 0 {
		s.free++
		return
	}
	w := s.waiting[0]
	s.waiting = s.waiting[1:]
	close(w.ready)
}
