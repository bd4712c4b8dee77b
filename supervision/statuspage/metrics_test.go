package statuspage

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape fetches /metrics and parses it as Prometheus text.
func scrape(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v\n%s", err, body)
	}
	return fams
}

// value finds the sample of family name whose labels include want.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("no metric %s", name)
	}
	for _, m := range f.GetMetric() {
		match := 0
		for _, l := range m.GetLabel() {
			if want[l.GetName()] == l.GetValue() {
				match++
			}
		}
		if match == len(want) {
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			}
		}
	}
	t.Fatalf("no %s%v", name, want)
	return 0
}

func TestMetrics(t *testing.T) {
	r, h, srv := startShop(t)
	// Another package's gauge and per-kind values, as cmd/bricks adds the
	// transfer statistics.
	if err := h.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "test_answer", Help: "a test gauge"},
		func() float64 { return 42 })); err != nil {
		t.Fatal(err)
	}
	err := h.AddKindMetrics("statuspage.crasher", KindMetric{Name: "test_path_length", Help: "length of the path", Counter: true,
		Value: func(path string) (float64, bool) { return float64(len(path)), true }})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "test_answer", Help: "again"},
		func() float64 { return 0 })); err == nil {
		t.Error("a second test_answer was registered")
	}

	const mt = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"
	fams := scrape(t, get(t, srv, "/metrics", mt))
	worker := map[string]string{"path": "shop/worker", "kind": "statuspage.crasher"}
	if v := value(t, fams, "bricks_node_restarts_total", worker); v != 0 {
		t.Errorf("restarts before the crash: %v", v)
	}
	crashWorker(t, r)
	fams = scrape(t, get(t, srv, "/metrics", mt))
	if v := value(t, fams, "bricks_node_restarts_total", worker); v != 1 {
		t.Errorf("restarts after the crash: %v", v)
	}
	if fams["bricks_node_restarts_total"].GetType() != dto.MetricType_COUNTER {
		t.Errorf("restarts is a %v", fams["bricks_node_restarts_total"].GetType())
	}
	for state, want := range map[string]float64{"running": 1, "starting": 0, "stopping": 0, "stopped": 0} {
		if v := value(t, fams, "bricks_node_state", map[string]string{"path": "shop/worker", "state": state}); v != want {
			t.Errorf("state %s = %v, want %v", state, v, want)
		}
	}
	if v := value(t, fams, "bricks_node_state", map[string]string{"path": "shop/team", "kind": "supervisor", "state": "running"}); v != 1 {
		t.Errorf("team running = %v", v)
	}
	if v := value(t, fams, "bricks_tree_running", nil); v != 1 {
		t.Errorf("tree running = %v", v)
	}
	if v := value(t, fams, "test_answer", nil); v != 42 {
		t.Errorf("registered gauge = %v", v)
	}
	if v := value(t, fams, "test_path_length", map[string]string{"path": "shop/worker"}); v != float64(len("shop/worker")) {
		t.Errorf("kind metric = %v", v)
	}
	if n := len(fams["test_path_length"].GetMetric()); n != 1 {
		t.Errorf("kind metric reported for %d nodes, want the one crasher", n)
	}
	// The private registry: nothing of the global one (go_*, process_*).
	if _, ok := fams["go_goroutines"]; ok {
		t.Error("/metrics serves the global registry")
	}
}
