// Package tdh is threshold ECIES decryption over litd's secp256k1 root key
// X = x·G, whose secret x tss-lib Shamir-shares among validators (share x_i at
// x-coordinate XCoord(keySet, operator address), public share X_i = x_i·G).
//
// Identity key: a ciphertext is for id = Identity(conditions, dataHash), under
// P_id = X + h·G, h = Offset(X, id), so anyone encrypts offline: R = r·G,
// S = r·P_id, AES-256-GCM under HKDF(S, R, id), aad id ‖ R. Decrypting needs
// S = x·R + h·R; only x·R is secret, and validators provide it jointly.
//
// Why the proof of knowledge: x·R does not depend on id. Unbound, a requester
// who satisfies ciphertext A's conditions could ask for x·R_B, R_B from
// another ciphertext B, and decrypt B. So R carries a Schnorr proof of
// knowledge of r bound to id, checked by the chain (VerifyEphemeral) before
// it serves a decryption: no proof for (R_B, id_A) can be made without r_B.
//
// Shares: validator i answers D_i = x_i·R with a Chaum–Pedersen (DLEQ) proof
// that log_R(D_i) = log_G(X_i) (ComputeShare, VerifyShare), sealed with HPKE
// (X25519, HKDF-SHA256, ChaCha20-Poly1305) to the requester, the info binding
// request and validator (SealShare, ShareInfo): the chain relays it unread.
//
// Combining: the requester drops shares whose proof fails, naming their
// validators, Lagrange-interpolates x·R at 0 from threshold+1 valid ones
// (Combine), and opens the ciphertext (Decrypt).
package tdh
