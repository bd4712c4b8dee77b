package statuspage

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds the Debian chromium the browser test drives.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found; install the chromium package")
	}
	t.Skip("chromium not found (apt-get install chromium); the page is left untested in a browser")
	return ""
}

// TestPageInBrowser loads the page in headless Chromium, checks the
// rendered tree, then crashes a worker and waits for the page to show the
// restart by itself, without being reloaded.
func TestPageInBrowser(t *testing.T) {
	bin := chromium(t)
	r, _, srv := startShop(t)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	// A hang guard for a broken browser, not a timing assertion.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-path="shop/team/helper"]`)),
		// Survives only if the page is never reloaded.
		chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
	)
	if err != nil {
		t.Fatalf("loading the page: %v", err)
	}
	table, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`#tree`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"shop", "sink", "worker", "team", "helper", "statuspage.crasher", "rest_for_one", "to → sink"} {
		if !strings.Contains(table, want) {
			t.Errorf("rendered page lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "hunter2") {
		t.Error("rendered page shows the secret")
	}
	before, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`tr[data-path="shop/worker"] td.restarts`)))
	if err != nil {
		t.Fatal(err)
	}
	if before != "0" || strings.Contains(table, "crashed on purpose") {
		t.Errorf("before the crash, restarts %q:\n%s", before, table)
	}

	crashWorker(t, r)
	// Polls until the page's own refresh shows the restart; the hang guard
	// above bounds it.
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](
		`document.querySelector('tr[data-path="shop/worker"] td.restarts').textContent === "1"`,
		chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("waiting for the restart to show: %v", err)
	}
	restarts, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`tr[data-path="shop/worker"] td.restarts`)))
	if err != nil {
		t.Fatal(err)
	}
	reason, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`tr[data-path="shop/worker"] td.reason`)))
	if err != nil {
		t.Fatal(err)
	}
	notReloaded, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.notReloaded === true`))
	if err != nil {
		t.Fatal(err)
	}
	if restarts != "1" || !strings.Contains(reason, "crashed on purpose") {
		t.Errorf("after the crash the page shows restarts %q, reason %q", restarts, reason)
	}
	if !notReloaded {
		t.Error("the page was reloaded to show the restart")
	}
}
