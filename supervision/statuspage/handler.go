package statuspage

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"path"
	"sync"

	"github.com/bricksmq/bricks/supervision"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves the status of one running tree (see the package
// documentation for its pages). It is safe for concurrent use.
type Handler struct {
	run     *supervision.Running
	mu      sync.Mutex
	tree    *supervision.Tree
	reg     *prometheus.Registry
	mux     *http.ServeMux
	logger  *slog.Logger
	metrics http.Handler
}

// Option configures a Handler.
type Option func(*Handler)

// WithLogger logs the handler's own failures (a client gone mid-response)
// to l instead of discarding them.
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.logger = l } }

// New returns the handler of running, whose structure and configurations
// come from tree, the tree it was started from.
func New(running *supervision.Running, tree *supervision.Tree, opts ...Option) *Handler {
	h := &Handler{run: running, tree: tree, reg: prometheus.NewRegistry(), mux: http.NewServeMux(),
		logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(h)
	}
	h.reg.MustRegister(&nodeCollector{h: h})
	h.metrics = promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{})
	h.mux.HandleFunc("GET /{$}", h.page)
	h.mux.HandleFunc("GET /status.json", h.statusJSON)
	for _, f := range supervision.AnnotatedFormats {
		h.mux.HandleFunc("GET /tree."+ext[f], h.drawing(f))
	}
	h.mux.Handle("GET /metrics", h.metrics)
	return h
}

// ext maps a drawing format to the extension it is served under.
var ext = map[string]string{"text": "txt", "dot": "dot", "mermaid": "mermaid"}

// contentType of each drawing.
var contentType = map[string]string{
	"text":    "text/plain; charset=utf-8",
	"dot":     "text/vnd.graphviz; charset=utf-8",
	"mermaid": "text/plain; charset=utf-8",
}

// SetTree replaces the tree the structure and configurations are read
// from, after the running tree was changed with Apply (a reload).
func (h *Handler) SetTree(t *supervision.Tree) {
	h.mu.Lock()
	h.tree = t
	h.mu.Unlock()
}

// Tree returns the tree the handler reads configurations from.
func (h *Handler) Tree() *supervision.Tree {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.tree
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{"base": path.Base}).Parse(pageHTML))

// pageData is what page.html is executed with.
type pageData struct {
	Status
	Fills map[string]string
}

func (h *Handler) page(w http.ResponseWriter, _ *http.Request) {
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, pageData{Status: h.Status(), Fills: fills}); err != nil {
		h.fail(w, "page", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	h.write(w, "page", buf.Bytes())
}

func (h *Handler) statusJSON(w http.ResponseWriter, _ *http.Request) {
	body, err := json.MarshalIndent(h.Status(), "", "  ")
	if err != nil {
		h.fail(w, "status.json", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	h.write(w, "status.json", append(body, '\n'))
}

func (h *Handler) drawing(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		v := h.view()
		var buf bytes.Buffer
		if err := supervision.RenderAnnotated(&buf, v.tree, format, v.annotate); err != nil {
			h.fail(w, "tree."+ext[format], err)
			return
		}
		w.Header().Set("Content-Type", contentType[format])
		h.write(w, "tree."+ext[format], buf.Bytes())
	}
}

// fail answers 500 and logs why.
func (h *Handler) fail(w http.ResponseWriter, what string, err error) {
	h.logger.Error("status page failed", slog.String("page", what), slog.String("reason", err.Error()))
	http.Error(w, what+": "+err.Error(), http.StatusInternalServerError)
}

func (h *Handler) write(w http.ResponseWriter, what string, body []byte) {
	if _, err := w.Write(body); err != nil {
		h.logger.Debug("status page: client gone", slog.String("page", what), slog.String("reason", err.Error()))
	}
}
