-- wrk script: a 95/5 read/write mix (wrk -s wrk_mixed.lua URL): of every 20 requests, 19 GET
-- content 2's list and one POSTs a comment to content 1 (as peers/wrk_post.lua does), so the
-- list that is read stays the same and the writes still reach every replica's change feed.
local get, post
local n = 0

-- The requests are built in init, once wrk has set the Host header from the URL.
function init(args)
  get = wrk.format("GET", "/api/comment/list/2")
  post = wrk.format("POST", "/api/comment/new", { ["Content-Type"] = "application/json" },
    '{"email":"alice@example.com","comment":"first post!","content_id":1}')
end

function request()
  n = n + 1
  if n % 20 == 0 then
    return post
  end
  return get
end
