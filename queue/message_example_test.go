package queue_test

import (
	"fmt"

	"github.com/bricksmq/bricks/queue"
)

func ExampleMessage_Serialize() {
	m := queue.NewText("héllo ✓", map[string]string{"subject": "test"})
	data, err := m.Serialize(queue.SerializeOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(data))

	bin, _ := queue.NewBinary([]byte{0, 1, 2}, nil).Serialize(queue.SerializeOptions{})
	fmt.Println(string(bin))

	back, err := queue.Deserialize(data)
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Text, string(back.Body), back.Header["subject"], back.MD5() == m.MD5())
	// Output:
	// {"header": {"subject": "test"}, "body": "h\u00e9llo \u2713", "text": true}
	// {"body": "AAEC", "encoding": "base64"}
	// true héllo ✓ test true
}

func ExampleDeserialize() {
	_, err := queue.Deserialize([]byte(`{"body": "x", "encoding": "rot13"}`))
	fmt.Println(err)
	_, err = queue.Deserialize([]byte(`[1, 2]`))
	fmt.Println(err)
	// Output:
	// decoding not supported: rot13
	// dict expected: [1, 2]
}
