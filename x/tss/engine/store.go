package engine

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
)

// store keeps the engine's secrets under <home>/tss, each file 0600 and
// fsync'd (file and directory) before it is relied on.
type store struct{ dir string }

func newStore(dir string) (store, error) {
	return store{dir: dir}, os.MkdirAll(filepath.Join(dir, "shares"), 0o700)
}

// writeDurable writes data to path atomically: temp file, fsync, rename,
// fsync of the directory. After it returns, a crash cannot lose the file.
func writeDurable(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// encKey loads the P-256 key for sealed messages, creating it once.
func (s store) encKey() (*ecdh.PrivateKey, error) {
	path := filepath.Join(s.dir, "enc_key_p256")
	bz, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		return key, writeDurable(path, key.Bytes())
	}
	if err != nil {
		return nil, err
	}
	return ecdh.P256().NewPrivateKey(bz)
}

func (s store) preParamsPath() string { return filepath.Join(s.dir, "preparams.json") }

// preParams loads cached Paillier pre-parameters, or nil if none yet.
func (s store) preParams() (*keygen.LocalPreParams, error) {
	bz, err := os.ReadFile(s.preParamsPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p keygen.LocalPreParams
	if err := json.Unmarshal(bz, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", s.preParamsPath(), err)
	}
	if !p.ValidateWithProof() {
		return nil, fmt.Errorf("%s: invalid pre-parameters", s.preParamsPath())
	}
	return &p, nil
}

func (s store) savePreParams(p *keygen.LocalPreParams) error {
	bz, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return writeDurable(s.preParamsPath(), bz)
}

func (s store) sharePath(keySetID uint64) string {
	return filepath.Join(s.dir, "shares", fmt.Sprintf("keyset-%d.json", keySetID))
}

// saveShare persists this validator's share of a key set.
func (s store) saveShare(keySetID uint64, data *keygen.LocalPartySaveData) error {
	bz, err := json.Marshal(data)
	if err != nil {
		return err
	}
	return writeDurable(s.sharePath(keySetID), bz)
}

// share loads a fresh copy of this validator's share (callers may mutate it).
func (s store) share(keySetID uint64) (*keygen.LocalPartySaveData, error) {
	bz, err := os.ReadFile(s.sharePath(keySetID))
	if err != nil {
		return nil, err
	}
	var data keygen.LocalPartySaveData
	return &data, json.Unmarshal(bz, &data)
}

// shareIDs lists the key sets this validator holds a share of.
func (s store) shareIDs() ([]uint64, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, "shares"))
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, e := range entries {
		var id uint64
		if _, err := fmt.Sscanf(e.Name(), "keyset-%d.json", &id); err == nil && e.Name() == filepath.Base(s.sharePath(id)) {
			out = append(out, id)
		}
	}
	return out, nil
}

// deleteShare removes a share file and syncs the directory, so the deletion
// survives a crash. (Overwriting first would not help on journaling file
// systems and SSDs; protect the disk as for priv_validator_key.json.)
func (s store) deleteShare(keySetID uint64) error {
	if err := os.Remove(s.sharePath(keySetID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	d, err := os.Open(filepath.Dir(s.sharePath(keySetID)))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (s store) watermarkPath() string { return filepath.Join(s.dir, "watermark") }

// watermark loads the engine's watermark height (0 if none yet).
func (s store) watermark() (int64, error) {
	bz, err := os.ReadFile(s.watermarkPath())
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(bz)), 10, 64)
}

func (s store) saveWatermark(h int64) error {
	return writeDurable(s.watermarkPath(), []byte(strconv.FormatInt(h, 10)))
}
