// The runner keeps one local process per watched pod: it starts a replica when
// a pod is Running with an IP and stops it when the pod goes away.

package main

import (
	"log/slog"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// runner maps pod UIDs to their running replicas.
type runner struct {
	cfg    config
	client kubernetes.Interface
	logger *slog.Logger

	mu       sync.Mutex
	replicas map[types.UID]*replica
	stopped  sync.WaitGroup
}

func newRunner(cfg config, client kubernetes.Interface, logger *slog.Logger) *runner {
	return &runner{cfg: cfg, client: client, logger: logger, replicas: map[types.UID]*replica{}}
}

// eventHandler turns informer events into sync and forget calls.
func (r *runner) eventHandler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { r.sync(obj.(*corev1.Pod)) },
		UpdateFunc: func(_, obj any) { r.sync(obj.(*corev1.Pod)) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				r.forget(pod.UID)
			}
		},
	}
}

// wantsProcess tells whether a pod should have a local process now.
func wantsProcess(pod *corev1.Pod) bool {
	return pod.DeletionTimestamp == nil && pod.Status.Phase == corev1.PodRunning && pod.Status.PodIP != ""
}

// sync starts, keeps or stops the replica of one pod to match its state.
func (r *runner) sync(pod *corev1.Pod) {
	r.mu.Lock()
	current := r.replicas[pod.UID]
	r.mu.Unlock()

	if !wantsProcess(pod) {
		r.forget(pod.UID)
		return
	}
	if current != nil && current.target.ip == pod.Status.PodIP {
		return
	}
	if current != nil {
		r.forget(pod.UID) // the pod moved to another IP: start over
	}

	target := targetOf(pod, r.cfg.defaultPort)
	rep := newReplica(r.cfg, r.client, r.logger, target, pod, r.publishTargets)
	r.mu.Lock()
	r.replicas[pod.UID] = rep
	r.mu.Unlock()
	r.stopped.Add(1)
	go func() {
		defer r.stopped.Done()
		rep.supervise()
	}()
	r.publishTargets()
}

// forget stops the replica of a pod, if any, without waiting for it to exit.
func (r *runner) forget(uid types.UID) {
	r.mu.Lock()
	rep := r.replicas[uid]
	delete(r.replicas, uid)
	r.mu.Unlock()
	if rep != nil {
		rep.stop()
		r.publishTargets()
	}
}

// shutdown stops every replica and waits until all processes have exited.
func (r *runner) shutdown() {
	r.mu.Lock()
	all := r.replicas
	r.replicas = map[types.UID]*replica{}
	r.mu.Unlock()
	for _, rep := range all {
		rep.stop()
	}
	r.publishTargets()
	r.stopped.Wait()
}

// publishTargets rewrites the --targets-file, if any, from the current replicas.
func (r *runner) publishTargets() {
	if r.cfg.targetsFile == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	replicas := make([]*replica, 0, len(r.replicas))
	for _, rep := range r.replicas {
		replicas = append(replicas, rep)
	}
	if err := writeTargets(r.cfg.targetsFile, targetGroups(replicas)); err != nil {
		r.logger.Warn("Cannot write the targets file.", "path", r.cfg.targetsFile, "error", err)
	}
}
