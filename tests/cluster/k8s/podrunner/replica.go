// A replica is the local process standing in for one pod's container: it is
// started from the command template, restarted with backoff when it exits,
// probed for readiness, and stopped with SIGTERM then SIGKILL.

package main

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

const (
	firstBackoff = time.Second
	maxBackoff   = 30 * time.Second
	// statusTimeout bounds the final "not ready" patch made after a stop.
	statusTimeout = 5 * time.Second
)

type replica struct {
	cfg    config
	client kubernetes.Interface
	logger *slog.Logger
	target target
	uid    types.UID

	ctx    context.Context
	cancel context.CancelFunc
	// ready is what the runner last wrote into the pod's Ready condition.
	ready atomic.Bool
	// readinessChanged is called after every change of ready.
	readinessChanged func()
}

func newReplica(cfg config, client kubernetes.Interface, logger *slog.Logger, t target, pod *corev1.Pod, readinessChanged func()) *replica {
	ctx, cancel := context.WithCancel(context.Background())
	return &replica{
		cfg:    cfg,
		client: client,
		logger: logger.With("pod", t.namespace+"/"+t.name, "ip", t.ip, "port", t.port),
		target: t,
		uid:    pod.UID,
		ctx:    ctx,
		cancel: cancel,

		readinessChanged: readinessChanged,
	}
}

// isReady tells whether the pod is Ready as far as the runner knows: what it
// wrote for a probed pod, and true for a pod kwok made Ready at start.
func (r *replica) isReady() bool {
	return r.target.probe == nil || r.ready.Load()
}

// stop asks the replica to end its process; supervise returns once it has.
func (r *replica) stop() { r.cancel() }

// supervise runs the process until stop is called, restarting it when it exits.
func (r *replica) supervise() {
	backoff := firstBackoff
	for {
		started := time.Now()
		err := r.runOnce()
		if r.ctx.Err() != nil {
			break
		}
		if time.Since(started) > maxBackoff {
			backoff = firstBackoff
		}
		r.logger.Warn("Process exited; restarting.", "error", err, "backoff", backoff)
		select {
		case <-r.ctx.Done():
		case <-time.After(backoff):
		}
		if r.ctx.Err() != nil {
			break
		}
		backoff = min(2*backoff, maxBackoff)
	}

	if r.ready.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), statusTimeout)
		defer cancel()
		r.setReady(ctx, false)
	}
}

// runOnce starts the process and probes it until it exits or the replica stops.
func (r *replica) runOnce() error {
	cmd := exec.Command("/bin/sh", "-c", r.target.command(r.cfg.command))
	cmd.Env = r.target.environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := r.output()
	if err != nil {
		return err
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	r.logger.Info("Process started.", "pid", cmd.Process.Pid)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Kill stragglers the shell may have left in the process group.
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }()

	var ticks <-chan time.Time
	if r.target.probe != nil {
		ticker := time.NewTicker(r.cfg.probePeriod)
		defer ticker.Stop()
		ticks = ticker.C
	}
	successes, failures := 0, 0
	for {
		select {
		case err := <-exited:
			r.setReady(r.ctx, false)
			return err
		case <-r.ctx.Done():
			r.terminate(cmd.Process.Pid, exited)
			return nil
		case <-ticks:
			if r.target.probe.check(r.ctx) {
				successes, failures = successes+1, 0
			} else {
				successes, failures = 0, failures+1
			}
			switch {
			case !r.ready.Load() && successes >= r.target.probe.successThreshold:
				r.setReady(r.ctx, true)
			case r.ready.Load() && failures >= r.target.probe.failureThreshold:
				r.setReady(r.ctx, false)
			}
		}
	}
}

// terminate sends SIGTERM to the process group, then SIGKILL after the grace period.
func (r *replica) terminate(pid int, exited <-chan error) {
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-exited:
		r.logger.Info("Process stopped.", "pid", pid)
	case <-time.After(r.cfg.grace):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-exited
		r.logger.Warn("Process killed after the grace period.", "pid", pid, "grace", r.cfg.grace)
	}
}

// output is where the process writes: a per-pod log file, or the runner's stderr.
func (r *replica) output() (io.WriteCloser, error) {
	if r.cfg.logDir == "" {
		return nopCloser{os.Stderr}, nil
	}
	path := filepath.Join(r.cfg.logDir, r.target.namespace+"_"+r.target.name+".log")
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// setReady writes the Ready condition; failures are logged and retried on the next probe.
func (r *replica) setReady(ctx context.Context, ready bool) {
	if r.target.probe == nil || ready == r.ready.Load() {
		return
	}
	if err := patchReady(ctx, r.client, r.target.namespace, r.target.name, r.uid, ready); err != nil {
		r.logger.Warn("Cannot update pod readiness.", "ready", ready, "error", err)
		return
	}
	r.ready.Store(ready)
	r.logger.Info("Pod readiness changed.", "ready", ready)
	r.readinessChanged()
}

// probeClient skips certificate checks, as the kubelet does for HTTPS probes.
var probeClient = &http.Client{
	Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
		DisableKeepAlives: true,
	},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// check runs the probe once: an HTTP status in [200, 400), or an accepted TCP connection.
func (p *probe) check(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	if p.url == "" {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", p.tcpAddr)
		if err != nil {
			return false
		}
		_ = conn.Close()
		return true
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return false
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	_ = resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 400
}
