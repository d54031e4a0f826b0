package server

import "net/http"

// getReplicas shows this replica, the live ones and how many customers
// this one acts for.
func (s *Server) getReplicas(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.replicas.State())
}

// ReplicaID is this server's name among the replicas.
func (s *Server) ReplicaID() string { return s.replicas.ID() }
