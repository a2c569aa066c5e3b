package engine

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Waiting calls run oldest session first (first come first served within a
// session), never more than the slots at once; a call whose run quits while
// waiting is dropped and gives up nothing.
func TestSchedulerOldestSessionFirst(t *testing.T) {
	s := newScheduler(1)
	hold := make(chan struct{})
	started := make(chan struct{})
	go s.do(100, nil, func() { close(started); <-hold })
	<-started

	var mu sync.Mutex
	var order []uint64
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	quit := make(chan struct{})
	for n, id := range []uint64{9, 3, 7, 3, 1} {
		wg.Go(func() {
			q := (<-chan struct{})(nil)
			if id == 7 {
				q = quit
			}
			s.do(id, q, func() {
				peak.Store(max(peak.Load(), running.Add(1)))
				mu.Lock()
				order = append(order, id)
				mu.Unlock()
				running.Add(-1)
			})
		})
		require.Eventually(t, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return len(s.waiting) == n+1 }, time.Second, time.Millisecond)
	}
	close(quit) // session 7 ends while it waits
	require.Eventually(t, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return len(s.waiting) == 4 }, time.Second, time.Millisecond)
	close(hold)
	wg.Wait()
	require.Equal(t, []uint64{1, 3, 3, 9}, order)
	require.Equal(t, int32(1), peak.Load())
	require.Equal(t, 1, s.free)
}
