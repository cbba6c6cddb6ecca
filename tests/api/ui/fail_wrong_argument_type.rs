use humanitec_tokeninfo::clients::humanitec_tokeninfo::Client;

async fn create(client: &Client) {
    // The body is the type Humanitec's OpenAPI document gives it, not a string.
    let _ = client.createusertoken("user-1", "{\"id\": \"ci\"}").await;
}

fn main() {}
