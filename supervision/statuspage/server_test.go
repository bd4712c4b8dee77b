package statuspage

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestListenTakenAddress: a taken address is an error naming it.
func TestListenTakenAddress(t *testing.T) {
	first, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close(context.Background())
	addr := first.Addr().String()
	second, err := Listen(addr)
	if err == nil {
		second.Close(context.Background())
		t.Fatalf("listened twice on %s", addr)
	}
	if !strings.Contains(err.Error(), "status page: listen on "+addr) {
		t.Errorf("error does not name the address: %v", err)
	}
	if _, err := Listen("127.0.0.1:notaport"); err == nil || !strings.Contains(err.Error(), "127.0.0.1:notaport") {
		t.Errorf("bad address: %v", err)
	}
}

// TestServerClose: the server serves until Close, which frees the address.
func TestServerClose(t *testing.T) {
	_, h, _ := startShop(t)
	srv, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Serve(h, quietLogger())
	addr := srv.Addr().String()
	client := &http.Client{}
	defer client.CloseIdleConnections()
	res, err := client.Get("http://" + addr + "/status.json")
	if err != nil {
		t.Fatal(err)
	}
	var st Status
	err = json.NewDecoder(res.Body).Decode(&st)
	res.Body.Close()
	if err != nil || st.Tree != "shop" {
		t.Fatalf("status.json through the server: %+v, %v", st, err)
	}
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	again, err := Listen(addr)
	if err != nil {
		t.Fatalf("address still held after Close: %v", err)
	}
	again.Close(context.Background())
}
