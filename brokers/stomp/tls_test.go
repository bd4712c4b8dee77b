package stomp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testPKI is a throw-away CA with a server and a client certificate.
type testPKI struct {
	caFile, certFile, keyFile string // CA, client cert and key (PEM files)
	pool                      *x509.CertPool
	server                    tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bricks test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(cn string, usage x509.ExtKeyUsage, dns []string) ([]byte, *ecdsa.PrivateKey) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: dns,
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := &testPKI{pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.caFile = write("ca.pem", "CERTIFICATE", caDER)
	sDER, sKey := issue("broker.test", x509.ExtKeyUsageServerAuth, []string{"broker.test"})
	p.server = tls.Certificate{Certificate: [][]byte{sDER}, PrivateKey: sKey}
	cDER, cKey := issue("bricks-client", x509.ExtKeyUsageClientAuth, nil)
	p.certFile = write("client.pem", "CERTIFICATE", cDER)
	kDER, _ := x509.MarshalECPrivateKey(cKey)
	p.keyFile = write("client-key.pem", "EC PRIVATE KEY", kDER)
	return p
}

func TestTLSWithX509Auth(t *testing.T) {
	pki := newTestPKI(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pki.server},
		ClientCAs: pki.pool, ClientAuth: tls.RequireAndVerifyClientCert})
	if err != nil {
		t.Fatal(err)
	}
	clientCN := make(chan string, 4)
	fb := newFakeBrokerOn(t, ln, func(fb *fakeBroker, nc net.Conn) {
		tc := nc.(*tls.Conn)
		if tc.Handshake() != nil {
			return
		}
		clientCN <- tc.ConnectionState().PeerCertificates[0].Subject.CommonName
		serveSTOMP("0,0")(fb, nc)
	})
	u, err := ParseURI("failover:(stomp+ssl://" + fb.addr() + ")?maxReconnectAttempts=0")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Logger: quiet(), Auth: Auth{Scheme: "x509"},
		TLS: TLSOptions{CAFile: pki.caFile, CertFile: pki.certFile, KeyFile: pki.keyFile, ServerName: "broker.test"}}
	c, err := Dial(testCtx(t), u, opts)
	if err != nil {
		t.Fatal(err)
	}
	if cn := <-clientCN; cn != "bricks-client" {
		t.Fatalf("broker saw client %q", cn)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	// Without ServerName the certificate (for broker.test) does not match 127.0.0.1.
	opts.TLS.ServerName = ""
	if _, err := Dial(testCtx(t), u, opts); err == nil || !strings.Contains(err.Error(), "tls") ||
		!strings.Contains(err.Error(), fb.addr()) {
		t.Fatalf("want a TLS verification error naming the broker, got %v", err)
	}
	// x509 auth needs a certificate.
	if _, err := Dial(testCtx(t), u, Options{Auth: Auth{Scheme: "x509"}}); err == nil || !strings.Contains(err.Error(), "x509") {
		t.Fatalf("want an x509 configuration error, got %v", err)
	}
}
