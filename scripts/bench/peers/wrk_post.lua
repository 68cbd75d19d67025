-- wrk script: POST a fixed comment to /api/comment/new (wrk -s wrk_post.lua URL)
wrk.method = "POST"
wrk.body   = '{"email":"alice@example.com","comment":"first post!","content_id":1}'
wrk.headers["Content-Type"] = "application/json"
