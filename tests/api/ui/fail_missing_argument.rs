use humanitec_tokeninfo::clients::humanitec_tokeninfo::Client;

async fn get(client: &Client) {
    // getusertoken needs the user id and the token id.
    let _ = client.getusertoken("user-1").await;
}

fn main() {}
