// Command podrunner gives kwok's fake pods a real process each, so that a
// Deployment in the test cluster really serves traffic at its pod IPs.
//
// It watches the pods that match a namespace and a label selector. For every
// Running pod with an IP it starts a local process from a command template
// ({ip}, {port}, {name}, {namespace}, {node} are substituted; POD_IP, POD_PORT,
// POD_NAME, POD_NAMESPACE and the first container's literal env values are
// exported) and stops it (SIGTERM, then SIGKILL) when the pod goes away or the
// runner exits.
//
// Readiness: the cluster's kwok stages leave a pod that declares a
// readinessProbe Running but not Ready, as a kubelet would before its first
// successful probe. The runner probes such a pod's process and patches the
// pod's Ready condition to follow it. Pods without a readinessProbe are Ready
// as soon as kwok starts them, and the runner leaves their status alone.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the test cluster (default $KUBECONFIG)")
	flag.StringVar(&cfg.namespace, "namespace", "default", "namespace to watch; empty for all namespaces")
	flag.StringVar(&cfg.selector, "selector", "", "label selector of the pods to run (required), e.g. app=vllm")
	flag.StringVar(&cfg.command, "command", "", "command template run with sh -c (required), e.g. 'swell emulate --host {ip} --port {port}'")
	flag.IntVar(&cfg.defaultPort, "default-port", 8080, "port used when the pod declares no containerPort")
	flag.StringVar(&cfg.logDir, "log-dir", "", "write each process's output to DIR/<namespace>_<name>.log (default: the runner's stderr)")
	flag.DurationVar(&cfg.grace, "grace", 5*time.Second, "time between SIGTERM and SIGKILL when stopping a process")
	flag.StringVar(&cfg.targetsFile, "targets-file", "", "keep a Prometheus file_sd list of the running replicas (labels namespace, pod, node, ready) at this path")
	flag.DurationVar(&cfg.probePeriod, "probe-period", time.Second, "interval between readiness probes (the pod's periodSeconds is ignored so tests stay fast)")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(cfg, logger); err != nil {
		logger.Error("Pod runner failed.", "error", err)
		os.Exit(1)
	}
}

// config holds the command-line settings.
type config struct {
	kubeconfig  string
	namespace   string
	selector    string
	command     string
	defaultPort int
	logDir      string
	grace       time.Duration
	probePeriod time.Duration
	targetsFile string
}

func run(cfg config, logger *slog.Logger) error {
	if cfg.selector == "" || cfg.command == "" {
		return fmt.Errorf("--selector and --command are required (see --help)")
	}
	if cfg.kubeconfig == "" {
		return fmt.Errorf("no kubeconfig: pass --kubeconfig or set KUBECONFIG (eval \"$(tests/cluster/cluster.sh env)\")")
	}
	if cfg.logDir != "" {
		if err := os.MkdirAll(cfg.logDir, 0o755); err != nil {
			return fmt.Errorf("cannot create --log-dir %s: %w", cfg.logDir, err)
		}
	}

	restConfig, err := clientcmd.BuildConfigFromFlags("", cfg.kubeconfig)
	if err != nil {
		return fmt.Errorf("cannot load kubeconfig %s: %w", cfg.kubeconfig, err)
	}
	restConfig.QPS, restConfig.Burst = 50, 100
	client, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return fmt.Errorf("cannot build a client from %s: %w", cfg.kubeconfig, err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithNamespace(cfg.namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = cfg.selector }))
	podInformer := factory.Core().V1().Pods().Informer()
	runner := newRunner(cfg, client, logger)
	if _, err := podInformer.AddEventHandler(runner.eventHandler()); err != nil {
		return fmt.Errorf("cannot watch pods: %w", err)
	}

	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), podInformer.HasSynced) {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("pod list never synced with the API server at %s", restConfig.Host)
	}
	logger.Info("Pod runner started.", "namespace", cfg.namespace, "selector", cfg.selector)

	<-ctx.Done()
	logger.Info("Pod runner stopping.")
	runner.shutdown()
	factory.Shutdown()
	return nil
}
