package statuspage

import (
	"fmt"

	"github.com/bricksmq/bricks/supervision"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	restartsDesc = prometheus.NewDesc("bricks_node_restarts_total",
		"Restarts of the node since the tree started.", []string{"path", "kind"}, nil)
	stateDesc = prometheus.NewDesc("bricks_node_state",
		"1 for the node's current state, 0 for the other states.", []string{"path", "kind", "state"}, nil)
	runningDesc = prometheus.NewDesc("bricks_tree_running",
		"1 while the tree runs, 0 once it has ended.", nil, nil)
	states = []supervision.NodeState{supervision.StateStarting, supervision.StateRunning,
		supervision.StateStopping, supervision.StateStopped}
)

// nodeCollector reads the per-node metrics from a fresh snapshot at each
// scrape, so they cannot drift from the page.
type nodeCollector struct{ h *Handler }

func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- restartsDesc
	ch <- stateDesc
	ch <- runningDesc
}

func (c *nodeCollector) Collect(ch chan<- prometheus.Metric) {
	v := c.h.view()
	running := 1.0
	if v.ended {
		running = 0
	}
	ch <- prometheus.MustNewConstMetric(runningDesc, prometheus.GaugeValue, running)
	for path, st := range v.status {
		kind := kindLabel(st.Kind)
		ch <- prometheus.MustNewConstMetric(restartsDesc, prometheus.CounterValue, float64(st.Restarts), path, kind)
		for _, s := range states {
			val := 0.0
			if s == st.State {
				val = 1
			}
			ch <- prometheus.MustNewConstMetric(stateDesc, prometheus.GaugeValue, val, path, kind, string(s))
		}
	}
}

// kindLabel names supervisors "supervisor" rather than leaving the label
// empty, which Prometheus treats as no label at all.
func kindLabel(kind string) string {
	if kind == "" {
		return "supervisor"
	}
	return kind
}

// Register adds c to the handler's metrics: another package's gauges,
// e.g. statuspage.Register(prometheus.NewGaugeFunc(...)). It fails when c
// repeats a metric already registered.
func (h *Handler) Register(c prometheus.Collector) error {
	if err := h.reg.Register(c); err != nil {
		return fmt.Errorf("status page metrics: %w", err)
	}
	return nil
}

// KindMetric is one value reported for every node of a kind, read when
// Prometheus scrapes.
type KindMetric struct {
	Name    string // full metric name, e.g. "bricks_transfer_messages_total"
	Help    string
	Counter bool // a counter (only grows) rather than a gauge
	// Value reads the value of the node at path; false leaves that node out
	// (nothing to report yet).
	Value func(path string) (float64, bool)
}

// AddKindMetrics reports ms for every node of kind in the running tree,
// labelled with the node's path. This is how a package whose kinds keep
// statistics exposes them without supervision depending on it.
func (h *Handler) AddKindMetrics(kind string, ms ...KindMetric) error {
	c := &kindCollector{h: h, kind: kind, metrics: ms}
	for _, m := range ms {
		vt := prometheus.GaugeValue
		if m.Counter {
			vt = prometheus.CounterValue
		}
		c.descs = append(c.descs, prometheus.NewDesc(m.Name, m.Help, []string{"path"}, nil))
		c.types = append(c.types, vt)
	}
	return h.Register(c)
}

type kindCollector struct {
	h       *Handler
	kind    string
	metrics []KindMetric
	descs   []*prometheus.Desc
	types   []prometheus.ValueType
}

func (c *kindCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *kindCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.h.run.Inspect() {
		if st.Kind != c.kind {
			continue
		}
		for i, m := range c.metrics {
			if v, ok := m.Value(st.Path); ok {
				ch <- prometheus.MustNewConstMetric(c.descs[i], c.types[i], v, st.Path)
			}
		}
	}
}
