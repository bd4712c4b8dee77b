package amqp

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

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/queue"
)

// selfSigned returns a TLS certificate for 127.0.0.1 and the path of its
// PEM file (to use as the CA).
func selfSigned(t *testing.T) (tls.Certificate, string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bricks test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, ca
}

// tlsFront terminates TLS in front of target (the brokers here have no TLS
// listener) and returns its host:port.
func tlsFront(t *testing.T, target string, cert tls.Certificate) string {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	return newProxyOn(t, ln, target).ln.Addr().String()
}

// TestTLS sends and receives over amqps:// with a private CA, and checks
// an untrusted certificate is refused with an error naming the broker.
func TestTLS(t *testing.T) {
	bt := brokertest.QpidAMQP(t)
	cert, ca := selfSigned(t)
	addr := tlsFront(t, bt.Addr, cert)
	ctx := testCtx(t)

	o := options(bt)
	_, err := DialURI(ctx, "amqps://"+addr, o)
	if err == nil || !strings.Contains(err.Error(), "amqps://"+addr) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted certificate: err = %v, want a certificate error naming the broker", err)
	}

	o.TLS.CAFile = ca
	c := dialAddr(t, "amqps://"+addr, o)
	q := testBrokers[1].queue(t)
	sendAll(t, c, q, "over tls")
	r, err := c.NewReceiver(ctx, q, ReceiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d := recvOne(t, r)
	if !queue.NewText("over tls", nil).Equal(d.Message) {
		t.Fatalf("got %v", d.Message)
	}
	if err := d.Accept(ctx); err != nil {
		t.Fatal(err)
	}
}
