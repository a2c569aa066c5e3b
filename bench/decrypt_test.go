package bench

import (
	"crypto/ecdh"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/bnb-chain/tss-lib/v2/tss"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/litprotocol/litd/testutil/network"
	"github.com/litprotocol/litd/x/pkp/client/cli"
	"github.com/litprotocol/litd/x/tss/tdh"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// rawDecrypt is the baseline of a decryption: in one process, t+1 holders of
// the raw keygen's shares each compute x_i·R with its proof and seal it to
// the requester, who opens, checks and combines them and decrypts 1 KiB.
func rawDecrypt(b *testing.B, saves []*keygen.LocalPartySaveData, n int) {
	root, err := secp256k1.ParsePubKey(elliptic.MarshalCompressed(tss.S256(), saves[0].ECDSAPub.X(), saves[0].ECDSAPub.Y()))
	if err != nil {
		b.Fatal(err)
	}
	plaintext := make([]byte, 1024)
	var lat []time.Duration
	cpu0 := selfCPU()
	for i := range n {
		id := sha256.Sum256(fmt.Appendf(nil, "raw decrypt %d", i))
		enc, err := tdh.Encrypt(rand.Reader, root, id, plaintext)
		if err != nil {
			b.Fatal(err)
		}
		priv, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		var cands []tdh.Candidate
		for j, s := range saves[:rawThreshold+1] {
			var xi, x secp256k1.ModNScalar
			xi.SetByteSlice(s.Xi.Bytes()) // keygen shares are reduced mod n
			x.SetByteSlice(s.ShareID.Bytes())
			share, err := tdh.ComputeShare(rand.Reader, &xi, enc.Ephemeral)
			if err != nil {
				b.Fatal(err)
			}
			info := tdh.ShareInfo(uint64(i), fmt.Sprint(j))
			sealed, err := tdh.SealShare(priv.PublicKey().Bytes(), info, share)
			if err != nil {
				b.Fatal(err)
			}
			opened, err := tdh.OpenShare(priv, info, sealed)
			if err != nil {
				b.Fatal(err)
			}
			pub := elliptic.MarshalCompressed(tss.S256(), s.BigXj[j].X(), s.BigXj[j].Y())
			cands = append(cands, tdh.Candidate{Validator: fmt.Sprint(j), X: x, PublicShare: pub, Share: opened})
		}
		xR, bad, err := tdh.Combine(enc.Ephemeral, rawThreshold, cands)
		if err != nil || len(bad) > 0 {
			b.Fatalf("combine: %v %v", err, bad)
		}
		if _, err := tdh.Decrypt(root, id, enc, xR); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	cpu := selfCPU() - cpu0
	report(b, "raw.decrypt.p50", "decrypt 3-of-4: shares, proofs, seal, open, combine: p50", millis(percentile(lat, 0.5)), "p50-ms")
	report(b, "raw.decrypt.cpu", "decrypt: CPU per decryption (incl. encrypt)", millis(cpu)/float64(n), "cpu-ms")
}

// netDecrypt measures decryptions on the chain: a file encrypted offline to
// "owner of a PKP" is decrypted n times by its owner; each request is
// prepared (signed) first, and latency runs from the moment CheckTx accepted
// it to the moment its t+1 shares are in state and open to one p50 figure.
func netDecrypt(b *testing.B, c *chain, n int) {
	token, err := c.mintPKP()
	if err != nil {
		b.Fatal(err)
	}
	plainFile, cipherFile := filepath.Join(c.dir, "decrypt-plain"), filepath.Join(c.dir, "decrypt-cipher.json")
	if err := os.WriteFile(plainFile, make([]byte, 1024), 0o600); err != nil {
		b.Fatal(err)
	}
	if _, err := c.CLI(0, "tx", "pkp", "encrypt", plainFile, "--owner-of", token, "--output-file", cipherFile); err != nil {
		b.Fatal(err)
	}
	var wall, open []time.Duration
	var blocks []int64
	for i := range n {
		keyFile := filepath.Join(c.dir, fmt.Sprintf("decrypt-%d.key", i))
		file, err := c.prepare(fmt.Sprintf("decrypt-%d", i), "tx", "pkp", "decrypt", cipherFile, "--key-file", keyFile, "--from", network.Alice,
			"--generate-only", "--gas", "400000", "--output", "json")
		if err != nil {
			b.Fatal(err)
		}
		hash, err := c.broadcast(file)
		if err != nil {
			b.Fatal(err)
		}
		accepted := time.Now()
		ids, err := c.eventIDs(hash, "lit.tss.v1.EventDecryptionRequested", "decryption_id", time.Minute)
		if err != nil || len(ids) != 1 {
			b.Fatalf("decryption id of %s: %v %v", hash, ids, err)
		}
		d, err := c.awaitServed(ids[0], 2*time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		wall = append(wall, time.Since(accepted))
		blocks = append(blocks, d.ServedHeight-d.RequestHeight)
		start := time.Now()
		if err := c.openDecryption(d, keyFile); err != nil {
			b.Fatal(err)
		}
		open = append(open, time.Since(start))
	}
	report(b, "net.decrypt.p50", "decrypt: submitted -> t+1 sealed shares in state, p50", millis(percentile(wall, 0.5)), "p50-ms")
	report(b, "net.decrypt.blocks.p50", "decrypt: request -> served height, p50", float64(percentile(blocks, 0.5)), "p50-blocks")
	report(b, "net.decrypt.open.p50", "decrypt: requester opens, checks, combines (in process) p50", millis(percentile(open, 0.5)), "open-ms")
	report(b, "net.decrypt.n", "decrypt: sequential requests", float64(n), "decryptions")
}

// awaitServed polls a decryption until t+1 shares are in.
func (c *chain) awaitServed(id uint64, timeout time.Duration) (tsstypes.Decryption, error) {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := ctxTimeout(10 * time.Second)
		resp, err := c.tss.Decryption(ctx, &tsstypes.QueryDecryptionRequest{Id: id})
		cancel()
		if err == nil {
			switch resp.Decryption.Status {
			case tsstypes.DECRYPTION_STATUS_SERVED:
				return resp.Decryption, nil
			case tsstypes.DECRYPTION_STATUS_FAILED:
				return resp.Decryption, fmt.Errorf("decryption %d failed: %s", id, resp.Decryption.Error)
			}
		}
		if time.Now().After(deadline) {
			return tsstypes.Decryption{}, fmt.Errorf("decryption %d not served after %s (%v)", id, timeout, err)
		}
		time.Sleep(pollEvery)
	}
}

// openDecryption opens d's shares with the key in keyFile and checks that
// t+1 of them combine: the served shares are good, not only present.
func (c *chain) openDecryption(d tsstypes.Decryption, keyFile string) error {
	priv, err := cli.ReadKeyFile(keyFile)
	if err != nil {
		return err
	}
	ctx, cancel := ctxTimeout(10 * time.Second)
	defer cancel()
	ks, err := c.tss.KeySetByID(ctx, &tsstypes.QueryKeySetByIDRequest{Id: d.KeySetId})
	if err != nil {
		return err
	}
	_, bad, err := d.Open(priv, ks.KeySet)
	if err == nil && len(bad) > 0 {
		err = fmt.Errorf("wrong shares from %v", bad)
	}
	return err
}
