package worker

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/litprotocol/litd/x/actions/sandbox"
)

// maxFrameBytes bounds one protocol frame in either direction. The largest honest frame is a result
// with its fetch transcript (params keep that well under 2 MiB).
const maxFrameBytes = 8 << 20

// frame is one message on the pipe; exactly one field is set.
type frame struct {
	Job        *job            `json:"job,omitempty"`         // parent → worker, first
	Fetch      *fetchCall      `json:"fetch,omitempty"`       // worker → parent
	FetchReply *fetchReply     `json:"fetch_reply,omitempty"` // parent → worker
	Perm       *permCall       `json:"perm,omitempty"`        // worker → parent
	PermReply  *permReply      `json:"perm_reply,omitempty"`  // parent → worker
	Result     *sandbox.Result `json:"result,omitempty"`      // worker → parent, last
}

type job struct {
	Code     string
	JSParams string
	Seed     [32]byte
	Now      time.Time
	Limits   sandbox.Limits
	Auth     sandbox.Auth
	// HasFetcher and HasPermissions tell the worker whether to offer fetch and permission reads.
	HasFetcher, HasPermissions bool
}

type fetchCall struct {
	I   int
	Req sandbox.FetchRequest
}

type fetchReply struct {
	I    int
	Resp sandbox.FetchResponse
	Err  string
	// NotAttested marks Err as sandbox.ErrNotAttested, which ends the run.
	NotAttested bool
}

// permCall is a permission read: Op (a sandbox.Op*) and the arguments it has.
type permCall struct {
	Seq                   uint64
	Op                    string
	TokenID, CID, Address string
	AuthMethodType        uint64
	UserID                string
}

// permReply is a read's answer: the field its Op has, or Err.
type permReply struct {
	Seq         uint64
	Permitted   bool
	CIDs        []string
	Addresses   []string
	AuthMethods []sandbox.AuthMethod
	Scopes      []uint64
	Err         string
}

func writeFrame(w io.Writer, f *frame) error {
	bz, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if len(bz) > maxFrameBytes {
		return fmt.Errorf("frame of %d bytes, over %d", len(bz), maxFrameBytes)
	}
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(bz)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err = w.Write(bz)
	return err
}

// frameWriter writes whole frames from several goroutines (fetches settle concurrently).
type frameWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (fw *frameWriter) send(f *frame) error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	return writeFrame(fw.w, f)
}

func readFrame(r io.Reader) (*frame, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxFrameBytes {
		return nil, fmt.Errorf("frame of %d bytes, over %d", size, maxFrameBytes)
	}
	bz := make([]byte, size)
	if _, err := io.ReadFull(r, bz); err != nil {
		return nil, err
	}
	f := &frame{}
	if err := json.Unmarshal(bz, f); err != nil {
		return nil, fmt.Errorf("malformed frame: %w", err)
	}
	return f, nil
}
