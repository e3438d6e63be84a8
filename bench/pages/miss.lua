-- Every request its own query string: the client file's content is rendered each
-- time (the cache's key holds the query string), what a file costs right after a write.
math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "?vue=" .. counter .. "-" .. math.random(1000000000))
end
