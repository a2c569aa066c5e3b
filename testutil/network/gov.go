package network

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ProposalFile writes a proposal carrying msgs (protobuf JSON with "@type")
// into dir for `tx gov submit-proposal`, with the localnet's minimum deposit.
func ProposalFile(dir, title string, msgs ...string) (string, error) {
	path := filepath.Join(dir, "proposal.json")
	body := fmt.Sprintf(`{"messages":[%s],"metadata":"","deposit":"10000000ulit","title":%q,"summary":"e2e"}`, strings.Join(msgs, ","), title)
	return path, os.WriteFile(path, []byte(body), 0o600)
}

// Propose submits a governance proposal from `from` on node 0 (args: the
// tx command from the module name on, e.g. "gov", "submit-proposal", file),
// has every validator vote yes and returns the proposal id.
func (n *Network) Propose(from string, args ...string) (string, error) {
	res, err := n.Tx(0, from, args...)
	if err != nil {
		return "", err
	}
	if res.Code != 0 {
		return "", fmt.Errorf("proposal refused: %s", res.RawLog)
	}
	id := res.Attr("submit_proposal", "proposal_id")
	if id == "" {
		return "", fmt.Errorf("no proposal id in %+v", res.Events)
	}
	for i := range n.Nodes {
		res, err := n.Tx(i, "validator", "gov", "vote", id, "yes")
		if err != nil {
			return "", err
		}
		if res.Code != 0 {
			return "", fmt.Errorf("validator %d's vote refused: %s", i, res.RawLog)
		}
	}
	return id, nil
}

// WaitProposalPassed waits until proposal id has passed, so its messages
// have run; a failed or rejected proposal is an error at once.
func (n *Network) WaitProposalPassed(id string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		out, err := n.CLI(0, "query", "gov", "proposal", id, "--output", "json")
		if err == nil {
			var resp struct {
				Proposal struct {
					Status string `json:"status"`
				} `json:"proposal"`
			}
			if json.Unmarshal([]byte(out), &resp) == nil {
				last = out
				switch resp.Proposal.Status {
				case "PROPOSAL_STATUS_PASSED":
					return nil
				case "PROPOSAL_STATUS_FAILED", "PROPOSAL_STATUS_REJECTED":
					return fmt.Errorf("proposal %s: %s", id, out)
				}
			}
		}
		time.Sleep(time.Second)
	}
	return fmt.Errorf("proposal %s did not pass in %s: %s", id, timeout, last)
}
