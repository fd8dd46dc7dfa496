// Prometheus file-based service discovery: the runner can write its running
// replicas as a file_sd target list. Debian's Prometheus package is built
// without kubernetes_sd_configs, so tests that use it discover pods this way.

package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// targetGroup is one entry of a Prometheus file_sd list.
type targetGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

// targetGroups lists one group per replica, sorted by address for a stable file.
func targetGroups(replicas []*replica) []targetGroup {
	groups := make([]targetGroup, 0, len(replicas))
	for _, rep := range replicas {
		t := rep.target
		groups = append(groups, targetGroup{
			Targets: []string{net.JoinHostPort(t.ip, strconv.Itoa(t.port))},
			Labels: map[string]string{
				"namespace": t.namespace,
				"pod":       t.name,
				"node":      t.node,
				"ready":     strconv.FormatBool(rep.isReady()),
			},
		})
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].Targets[0] < groups[j].Targets[0] })
	return groups
}

// writeTargets replaces path atomically, so Prometheus never reads half a file.
func writeTargets(path string, groups []targetGroup) error {
	data, err := json.MarshalIndent(groups, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".targets-*.json")
	if err != nil {
		return fmt.Errorf("cannot write --targets-file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
