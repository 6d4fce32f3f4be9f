import { expect } from 'chai';
import { mongoUrlWithDatabase } from '../helpers/store-factories.js';

describe('the MongoDB test URL', () => {
  for (const [given, expected] of [
    ['mongodb://127.0.0.1:27017/?replicaSet=rs0', 'mongodb://127.0.0.1:27017/t1?replicaSet=rs0'],
    ['mongodb://a:27017,b:27017,c:27017/?replicaSet=rs0', 'mongodb://a:27017,b:27017,c:27017/t1?replicaSet=rs0'],
    ['mongodb://u:p%2Fw@a:1,b:2/admin?replicaSet=rs0&authSource=admin', 'mongodb://u:p%2Fw@a:1,b:2/t1?replicaSet=rs0&authSource=admin'],
    ['mongodb+srv://cluster0.example.net/prod', 'mongodb+srv://cluster0.example.net/t1'],
    ['mongodb://localhost', 'mongodb://localhost/t1'],
  ] as const)
    it(`when MONGO_URL is ${given}, then the test database is named in it and the rest is kept`, () => {
      expect(mongoUrlWithDatabase(given, 't1')).to.equal(expected);
    });

  it('when MONGO_URL is not a MongoDB URL, then it says so', () => {
    expect(() => mongoUrlWithDatabase('http://x/y', 't1')).to.throw(/not a mongodb/);
  });
});
