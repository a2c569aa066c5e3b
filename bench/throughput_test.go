package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	sdk "github.com/cosmos/cosmos-sdk/types"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/litprotocol/litd/app"
	"github.com/litprotocol/litd/testutil/network"
)

// txBatch is the outcome of broadcasting n txs back to back and waiting
// for all of them.
type txBatch struct {
	n                 int
	broadcast         time.Duration // the n sync broadcasts (CheckTx) alone
	total             time.Duration // first broadcast -> last tx seen committed
	firstHeight, last int64         // heights of the first and last tx's blocks
	gasUsed           int64         // summed over the n txs
	perBlock          int           // most of them in one block
}

func (t txBatch) tps() float64    { return float64(t.n) / t.total.Seconds() }
func (t txBatch) blocks() float64 { return float64(t.last - t.firstHeight + 1) }

// sender is a fresh account that sends exactly one tx per batch, so no
// batch depends on the order in which a mempool holds one account's txs.
type sender struct {
	priv     *secp256k1.PrivKey
	addr     string
	num, seq uint64
}

// fundSenders makes n accounts from new in-process keys, funds each with
// amount by one `litd tx bank multi-send` from alice, and reads their
// account numbers.
func (c *chain) fundSenders(n int, amount string) ([]*sender, error) {
	codec := address.NewBech32Codec(app.Bech32Prefix)
	ss := make([]*sender, n)
	args := []string{"tx", "bank", "multi-send", network.Alice}
	for i := range ss {
		priv := secp256k1.GenPrivKey()
		addr, err := codec.BytesToString(priv.PubKey().Address())
		if err != nil {
			return nil, err
		}
		ss[i] = &sender{priv: priv, addr: addr}
		args = append(args, addr)
	}
	args = append(args, amount, "--from", network.Alice, "--gas", strconv.Itoa(200000+50000*n), "--yes", "--output", "json")
	var res syncResult
	if err := c.cliJSON(&res, args...); err != nil {
		return nil, err
	}
	if err := res.err(); err != nil {
		return nil, err
	}
	if _, err := c.signatureIDs(res.TxHash, time.Minute); err != nil { // waits for a committed code 0
		return nil, fmt.Errorf("funding: %w", err)
	}
	query := authtypes.NewQueryClient(c.conn)
	for _, s := range ss {
		ctx, cancel := ctxTimeout(10 * time.Second)
		resp, err := query.AccountInfo(ctx, &authtypes.QueryAccountInfoRequest{Address: s.addr})
		cancel()
		if err != nil {
			return nil, err
		}
		s.num, s.seq = resp.Info.AccountNumber, resp.Info.Sequence
	}
	return ss, nil
}

// signedTx is msg in a tx from s with the gas limit gas, no fee, signed in
// process (SIGN_MODE_DIRECT) with s's account number and sequence.
func (c *chain) signedTx(s *sender, gas uint64, msg sdk.Msg) ([]byte, error) {
	cfg := c.enc.TxConfig
	b := cfg.NewTxBuilder()
	if err := b.SetMsgs(msg); err != nil {
		return nil, err
	}
	b.SetGasLimit(gas)
	mode := signing.SignMode_SIGN_MODE_DIRECT
	pub := s.priv.PubKey()
	// The signer info (public key, sequence) is part of the signed bytes.
	if err := b.SetSignatures(signing.SignatureV2{PubKey: pub, Data: &signing.SingleSignatureData{SignMode: mode}, Sequence: s.seq}); err != nil {
		return nil, err
	}
	data := authsigning.SignerData{Address: s.addr, ChainID: c.Cfg.ChainID, AccountNumber: s.num, Sequence: s.seq, PubKey: pub}
	sig, err := clienttx.SignWithPrivKey(context.Background(), mode, data, b, s.priv, cfg, s.seq)
	if err != nil {
		return nil, err
	}
	if err := b.SetSignatures(sig); err != nil {
		return nil, err
	}
	return cfg.TxEncoder()(b.GetTx())
}

// prepareBatch signs one tx per sender with the message msg(sender).
func (c *chain) prepareBatch(ss []*sender, gas uint64, msg func(*sender) sdk.Msg) ([][]byte, error) {
	txs := make([][]byte, len(ss))
	for i, s := range ss {
		var err error
		if txs[i], err = c.signedTx(s, gas, msg(s)); err != nil {
			return nil, err
		}
	}
	return txs, nil
}

// nextBlock returns as soon as node0 reports a height above the current one.
func (c *chain) nextBlock(timeout time.Duration) error {
	h0, err := c.height()
	if err != nil {
		return err
	}
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if h, err := c.height(); err == nil && h > h0 {
			return nil
		}
	}
	return fmt.Errorf("no block after height %d in %s", h0, timeout)
}

// runBatch broadcasts txs back to back in sync mode through node0's gRPC
// (each call returns once CheckTx passed), starting just after a new block,
// waits until the last is in a block and checks that every one of them was
// committed with code 0.
func (c *chain) runBatch(txs [][]byte, timeout time.Duration) (txBatch, error) {
	res := txBatch{n: len(txs)}
	hashes := make([]string, len(txs))
	// Start right after a block is made, so that every batch starts at the
	// same point of the block cycle.
	if err := c.nextBlock(time.Minute); err != nil {
		return res, err
	}
	start := time.Now()
	for i, bz := range txs {
		ctx, cancel := ctxTimeout(30 * time.Second)
		resp, err := c.txs.BroadcastTx(ctx, &txtypes.BroadcastTxRequest{TxBytes: bz, Mode: txtypes.BroadcastMode_BROADCAST_MODE_SYNC})
		cancel()
		if err != nil {
			return res, fmt.Errorf("broadcasting tx %d of %d: %w", i+1, len(txs), err)
		}
		if r := resp.TxResponse; r.Code != 0 {
			return res, fmt.Errorf("tx %d of %d rejected by CheckTx: code %d: %s", i+1, len(txs), r.Code, r.RawLog)
		}
		hashes[i] = resp.TxResponse.TxHash
	}
	res.broadcast = time.Since(start)
	// The txs are independent (one per account), so any of them may be
	// the last one in: poll until all are found, the last sent first.
	found := make([]bool, len(hashes))
	left := len(hashes)
	deadline := time.Now().Add(timeout)
	for left > 0 {
		for i := len(hashes) - 1; i >= 0; i-- {
			if found[i] {
				continue
			}
			ctx, cancel := ctxTimeout(10 * time.Second)
			_, err := c.txs.GetTx(ctx, &txtypes.GetTxRequest{Hash: hashes[i]})
			cancel()
			if err != nil {
				break // not in yet: poll again from the latest
			}
			found[i] = true
			left--
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("%d of %d txs not committed after %s", left, len(hashes), timeout)
		}
		time.Sleep(pollEvery / 4)
	}
	res.total = time.Since(start)
	perHeight := map[int64]int{}
	for i, h := range hashes {
		ctx, cancel := ctxTimeout(10 * time.Second)
		resp, err := c.txs.GetTx(ctx, &txtypes.GetTxRequest{Hash: h})
		cancel()
		if err != nil {
			return res, fmt.Errorf("tx %d of %d (%s): %w", i+1, len(txs), h, err)
		}
		r := resp.TxResponse
		if r.Code != 0 {
			return res, fmt.Errorf("tx %d of %d (%s) failed: code %d: %s", i+1, len(txs), h, r.Code, r.RawLog)
		}
		if res.firstHeight == 0 || r.Height < res.firstHeight {
			res.firstHeight = r.Height
		}
		res.last = max(res.last, r.Height)
		res.gasUsed += r.GasUsed
		perHeight[r.Height]++
		res.perBlock = max(res.perBlock, perHeight[r.Height])
	}
	return res, nil
}
