console.log("fetch-models: placeholder until models land")
